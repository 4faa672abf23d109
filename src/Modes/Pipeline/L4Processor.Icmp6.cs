using System.Buffers.Binary;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>ICMPv6 errors about tracked flows (Packet Too Big above all, unreachable, time exceeded, parameter problem): rewritten like the packets they quote, so path MTU discovery works through NAT66 and full NAT66.</summary>
public sealed partial class L4Processor
{
    private const int QuoteMinLength = Ipv6Header.Length + IcmpHeader.ErrorTransportBytes;

    // Over 80 lines on purpose: like HandleIcmpError, one per-packet method with its checks in wire order.
    private ForwardResult HandleIcmp6Error(Span<byte> buffer, ref PacketView view, L4Snapshot snapshot, int offset, int length, long now)
    {
        Span<byte> ip = buffer.Slice(view.L3Offset, view.IpTotalLength);
        Span<byte> icmp = ip[view.IpHeaderLength..];
        Span<byte> quote = icmp[IcmpHeader.Length..];

        // The quote starts with the offending packet's IPv6 header; only one without extension headers names its flow.
        if (quote.Length < QuoteMinLength)
        {
            return ForwardResult.Dropped(DropReason.Truncated);
        }

        if (quote[Ipv6Header.VersionOffset] >> 4 != 6)
        {
            return ForwardResult.Dropped(DropReason.Ipv6BadVersion);
        }

        byte protocol = quote[Ipv6Header.NextHeaderOffset];
        if (protocol == Ip6ip6Tunnel.NextHeaderIpv6)
        {
            return HandleTunnelPacketTooBig(buffer, ref view, snapshot, now);
        }

        if (protocol is not (Ipv4Header.ProtocolTcp or Ipv4Header.ProtocolUdp))
        {
            return ForwardResult.Dropped(DropReason.UnsupportedProtocol);
        }

        if (!_table.HasIpv6)
        {
            return ForwardResult.Dropped(snapshot.IsVip6(view.DestinationAddress6) ? DropReason.NoFlow : DropReason.NotForVip);
        }

        UInt128 innerSource = BinaryPrimitives.ReadUInt128BigEndian(quote[Ipv6Header.SourceOffset..]);
        UInt128 innerDestination = BinaryPrimitives.ReadUInt128BigEndian(quote[Ipv6Header.DestinationOffset..]);
        ushort innerSourcePort = BinaryPrimitives.ReadUInt16BigEndian(quote[Ipv6Header.Length..]);
        ushort innerDestinationPort = BinaryPrimitives.ReadUInt16BigEndian(quote[(Ipv6Header.Length + 2)..]);
        ConnectionTable6 table = _table.Ipv6;

        // The quote is a packet that left the VIP toward a client (a backend's reply): the error belongs to that backend.
        L4Service? service = snapshot.FindService6(innerSource, innerSourcePort, protocol);
        if (service is not null)
        {
            var forwardKey = new FlowKey6(innerDestination, innerSource, innerDestinationPort, innerSourcePort, protocol);
            if (!table.TryGetForward(forwardKey, now, 0, out FlowEntry6 entry))
            {
                return ForwardResult.Dropped(DropReason.NoFlow);
            }

            int backendIndex = ResolveBackend<Ipv6Flows, FlowKey6, FlowEntry6>(service, in entry);
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
                    PacketRewriter.SetMacs(buffer[offset..], backend.Mac, snapshot.BalancerMac);
                    break;
                case ForwardingModeKind.Tunnel:
                    if (view.IpTotalLength > Ip6ip6Tunnel.MaxInnerLength)
                    {
                        return ForwardResult.Dropped(DropReason.Ipv6TunnelTooLong);
                    }

                    if (!Ip6ip6Tunnel.TryEncapsulate(buffer, in view, length, service.TunnelSource6, backend.Address6, backend.Mac, snapshot.BalancerMac, out outOffset, out outLength))
                    {
                        return ForwardResult.Dropped(DropReason.NoHeadroom);
                    }

                    break;
                default:
                    if (view.Ttl <= 1)
                    {
                        return ForwardResult.Dropped(DropReason.HopLimitExpired);
                    }

                    SetQuotedEndpoint6(quote, protocol, source: true, backend.Address6, backend.Port);
                    if (service.Kind == ForwardingModeKind.FullNat)
                    {
                        SetQuotedEndpoint6(quote, protocol, source: false, entry.NatAddress, entry.NatPort);
                        BinaryPrimitives.WriteUInt128BigEndian(ip[Ipv6Header.SourceOffset..], entry.NatAddress);
                    }

                    BinaryPrimitives.WriteUInt128BigEndian(ip[Ipv6Header.DestinationOffset..], backend.Address6);
                    FinishIcmp6(buffer, ip, icmp, backend.Mac, snapshot.BalancerMac, offset);
                    break;
            }

            Counters.CountTx(service.Index, backendIndex, FlowDirection.ToBackend, length);
            return new ForwardResult(Verdict.Tx, DropReason.None, outOffset, outLength, backend.InterfaceIndex);
        }

        // The quote is a packet we sent toward a backend (NAT modes): the error belongs to the client.
        var replyKey = new FlowKey6(innerDestination, innerSource, innerDestinationPort, innerSourcePort, protocol);
        bool fullNat = snapshot.IsFullNatSource6(innerSource);
        if (!table.TryGetReverse(replyKey, fullNat, now, 0, out FlowKey6 flow, out FlowEntry6 reverseEntry))
        {
            return ForwardResult.Dropped(snapshot.IsVip6(view.DestinationAddress6) ? DropReason.NoFlow : DropReason.NotForVip);
        }

        L4Service? owner = snapshot.FindService6(flow.DestinationAddress, flow.DestinationPort, flow.Protocol);
        if (owner is null)
        {
            return ForwardResult.Dropped(DropReason.NoService);
        }

        if (view.Ttl <= 1)
        {
            return ForwardResult.Dropped(DropReason.HopLimitExpired);
        }

        SetQuotedEndpoint6(quote, protocol, source: false, flow.DestinationAddress, flow.DestinationPort);
        if (fullNat)
        {
            SetQuotedEndpoint6(quote, protocol, source: true, flow.SourceAddress, flow.SourcePort);
        }

        BinaryPrimitives.WriteUInt128BigEndian(ip[Ipv6Header.DestinationOffset..], flow.SourceAddress);
        FinishIcmp6(buffer, ip, icmp, new EthernetAddress(reverseEntry.ClientMac), snapshot.BalancerMac, offset);
        Counters.CountTx(owner.Index, reverseEntry.BackendIndex, FlowDirection.ToClient, length);
        return new ForwardResult(Verdict.Tx, DropReason.None, offset, length, reverseEntry.ClientInterfaceIndex);
    }

    /// <summary>Rewrites one endpoint of the quoted IPv6 packet, patching its transport checksum when the quote holds it (IPv6 has no header checksum).</summary>
    private static void SetQuotedEndpoint6(Span<byte> quote, byte protocol, bool source, UInt128 address, ushort port)
    {
        int addressOffset = source ? Ipv6Header.SourceOffset : Ipv6Header.DestinationOffset;
        int portOffset = Ipv6Header.Length + (source ? 0 : 2);
        UInt128 oldAddress = BinaryPrimitives.ReadUInt128BigEndian(quote[addressOffset..]);
        ushort oldPort = BinaryPrimitives.ReadUInt16BigEndian(quote[portOffset..]);
        BinaryPrimitives.WriteUInt128BigEndian(quote[addressOffset..], address);
        BinaryPrimitives.WriteUInt16BigEndian(quote[portOffset..], port);
        int checksumOffset = Ipv6Header.Length + (protocol == Ipv4Header.ProtocolTcp ? TcpHeader.ChecksumOffset : UdpHeader.ChecksumOffset);
        if (checksumOffset + 2 <= quote.Length)
        {
            Span<byte> field = quote.Slice(checksumOffset, 2);
            ushort checksum = IncrementalChecksum.Update16(IncrementalChecksum.Update128(BinaryPrimitives.ReadUInt16BigEndian(field), oldAddress, address), oldPort, port);
            BinaryPrimitives.WriteUInt16BigEndian(field, protocol == Ipv4Header.ProtocolUdp && checksum == 0 ? (ushort)0xFFFF : checksum);
        }
    }

    /// <summary>ICMPv6's checksum covers the IPv6 pseudo-header (RFC 4443 section 2.3), so it is recomputed after the addresses changed.</summary>
    private static void FinishIcmp6(Span<byte> buffer, Span<byte> ip, Span<byte> icmp, EthernetAddress destinationMac, EthernetAddress sourceMac, int offset)
    {
        ip[Ipv6Header.HopLimitOffset]--;
        InternetChecksum.WriteTransportChecksum(
            icmp, BinaryPrimitives.ReadUInt128BigEndian(ip[Ipv6Header.SourceOffset..]), BinaryPrimitives.ReadUInt128BigEndian(ip[Ipv6Header.DestinationOffset..]),
            Ipv6Header.NextHeaderIcmpv6, IcmpHeader.ChecksumOffset);
        PacketRewriter.SetMacs(buffer[offset..], destinationMac, sourceMac);
    }
}
