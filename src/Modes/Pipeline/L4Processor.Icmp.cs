using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>ICMP errors about tracked flows (fragmentation needed, unreachable): rewritten like the packets they quote.</summary>
public sealed partial class L4Processor
{
    // Over 80 lines on purpose: one per-packet method keeps its locals in registers and its checks in wire order; a split
    // would have to be shown free by ForwardingBenchmarks first.
    private ForwardResult HandleIcmpError(Span<byte> buffer, ref PacketView view, L4Snapshot snapshot, int offset, int length, long now)
    {
        Span<byte> ip = buffer.Slice(view.L3Offset, view.IpTotalLength);
        Span<byte> icmp = ip[view.IpHeaderLength..];
        Span<byte> quote = icmp[IcmpHeader.Length..];
        byte protocol = view.InnerProtocol;

        // The quote is a packet that left the VIP toward a client (a backend's reply): the error belongs to that backend.
        L4Service? service = snapshot.FindService(view.InnerSourceAddress, view.InnerSourcePort, protocol);
        if (service is not null)
        {
            var forwardKey = new FlowKey(view.InnerDestinationAddress, view.InnerSourceAddress, view.InnerDestinationPort, view.InnerSourcePort, protocol);
            if (!_table.TryGetForward(forwardKey, now, 0, out FlowEntry entry))
            {
                return ForwardResult.Dropped(DropReason.NoFlow);
            }

            int backendIndex = ResolveBackend<Ipv4Flows, FlowKey, FlowEntry>(service, in entry);
            if (backendIndex < 0)
            {
                return ForwardResult.Dropped(DropReason.NoBackend);
            }

            ref readonly L4Backend backend = ref service.Backends[backendIndex];
            int outOffset = offset;
            int outLength = length;
            switch (service.Kind)
            {
                case ForwardingModeKind.Dsr:
                    DsrForwardingMode.ToBackend(buffer, in view, backend.Mac, snapshot.BalancerMac, service.ChecksumMode);
                    break;
                case ForwardingModeKind.Tunnel:
                    if (!IpipForwardingMode.TryEncapsulate(buffer, in view, length, service.TunnelSource, backend.Address, _nextIpId, backend.Mac, snapshot.BalancerMac, out outOffset, out outLength))
                    {
                        return ForwardResult.Dropped(DropReason.NoHeadroom);
                    }

                    _nextIpId++;
                    break;
                default:
                    if (view.Ttl <= 1)
                    {
                        return ForwardResult.Dropped(DropReason.TtlExpired);
                    }

                    PacketRewriter.SetQuotedEndpoint(quote, view.InnerIpHeaderLength, protocol, source: true, backend.Address, backend.Port);
                    if (service.Kind == ForwardingModeKind.FullNat)
                    {
                        PacketRewriter.SetQuotedEndpoint(quote, view.InnerIpHeaderLength, protocol, source: false, entry.NatAddress, entry.NatPort);
                        PacketRewriter.SetAddress(ip, source: true, entry.NatAddress);
                    }

                    PacketRewriter.SetAddress(ip, source: false, backend.Address);
                    FinishIcmp(buffer, ref view, ip, icmp, backend.Mac, snapshot.BalancerMac, offset);
                    break;
            }

            Counters.CountTx(service.Index, backendIndex, FlowDirection.ToBackend, length);
            return new ForwardResult(Verdict.Tx, DropReason.None, outOffset, outLength, backend.InterfaceIndex);
        }

        // The quote is a packet we sent toward a backend (NAT modes): the error belongs to the client.
        var replyKey = new FlowKey(view.InnerDestinationAddress, view.InnerSourceAddress, view.InnerDestinationPort, view.InnerSourcePort, protocol);
        bool fullNat = snapshot.IsFullNatSource(view.InnerSourceAddress);
        if (!_table.TryGetReverse(replyKey, fullNat, now, 0, out FlowKey flow, out FlowEntry reverseEntry))
        {
            return ForwardResult.Dropped(snapshot.IsVip(view.DestinationAddress) ? DropReason.NoFlow : DropReason.NotForVip);
        }

        L4Service? owner = snapshot.FindService(flow.DestinationAddress, flow.DestinationPort, flow.Protocol);
        if (owner is null)
        {
            return ForwardResult.Dropped(DropReason.NoService);
        }

        if (view.Ttl <= 1)
        {
            return ForwardResult.Dropped(DropReason.TtlExpired);
        }

        PacketRewriter.SetQuotedEndpoint(quote, view.InnerIpHeaderLength, protocol, source: false, flow.DestinationAddress, flow.DestinationPort);
        if (fullNat)
        {
            PacketRewriter.SetQuotedEndpoint(quote, view.InnerIpHeaderLength, protocol, source: true, flow.SourceAddress, flow.SourcePort);
        }

        PacketRewriter.SetAddress(ip, source: false, flow.SourceAddress);
        FinishIcmp(buffer, ref view, ip, icmp, new EthernetAddress(reverseEntry.ClientMac), snapshot.BalancerMac, offset);
        Counters.CountTx(owner.Index, reverseEntry.BackendIndex, FlowDirection.ToClient, length);
        return new ForwardResult(Verdict.Tx, DropReason.None, offset, length, reverseEntry.ClientInterfaceIndex);
    }

    private static void FinishIcmp(Span<byte> buffer, ref PacketView view, Span<byte> ip, Span<byte> icmp, EthernetAddress destinationMac, EthernetAddress sourceMac, int offset)
    {
        PacketRewriter.RecomputeIcmp(icmp);
        ip[Ipv4Header.TtlOffset]--;
        InternetChecksum.WriteIpv4HeaderChecksum(ip, view.IpHeaderLength);
        PacketRewriter.SetMacs(buffer[offset..], destinationMac, sourceMac);
    }
}
