using System.Runtime.CompilerServices;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>The IPv6 branch of the processor, kept off the IPv4 path: the same four modes over <see cref="ConnectionTable6"/>.</summary>
public sealed partial class L4Processor
{
    private const byte Icmpv6FirstError = 1;
    private const byte Icmpv6LastError = 4;
    private const byte Icmpv6EchoRequest = 128;
    private const byte Icmpv6FirstNeighbourDiscovery = 133;
    private const byte Icmpv6LastNeighbourDiscovery = 137;

    /// <summary>Classifies a parsed IPv6 packet: to a VIP6 service, a backend reply, an ICMPv6 error about a flow, or what the engine hands on (neighbour discovery, echo to a VIP6).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ForwardResult ProcessIpv6(Span<byte> buffer, ref PacketView view, L4Snapshot snapshot, int offset, int length, int ingress, long now)
    {
        if (Ipv6Address.IsMartianSource(view.SourceAddress6))
        {
            return ForwardResult.Dropped(DropReason.MartianSource);
        }

        if (snapshot.IsVip6(view.SourceAddress6))
        {
            return ForwardResult.Dropped(DropReason.SourceIsVip);
        }

        if (view.Protocol == Ipv6Header.NextHeaderIcmpv6)
        {
            // Neighbour discovery uses hop limit 255 and MLD uses 1: ICMPv6 is never forwarded, so its hop limit says nothing here.
            byte type = view.IcmpType;
            if (type is >= Icmpv6FirstNeighbourDiscovery and <= Icmpv6LastNeighbourDiscovery
                || (type == Icmpv6EchoRequest && snapshot.IsVip6(view.DestinationAddress6)))
            {
                return new ForwardResult(Verdict.Pass, DropReason.None, offset, length, ingress);
            }

            // Destination Unreachable, Packet Too Big, Time Exceeded, Parameter Problem (RFC 4443 section 3).
            return type is >= Icmpv6FirstError and <= Icmpv6LastError
                ? HandleIcmp6Error(buffer, ref view, snapshot, offset, length, now)
                : ForwardResult.Dropped(DropReason.NotForVip);
        }

        L4Service? service = snapshot.FindService6(view.DestinationAddress6, view.DestinationPort, view.Protocol);
        if (service is not null)
        {
            return HandleToService6(buffer, ref view, snapshot, service, offset, length, ingress, now);
        }

        if (snapshot.IsVip6(view.DestinationAddress6))
        {
            return ForwardResult.Dropped(DropReason.NoService);
        }

        // Everything else would be routed (a backend's reply), so a hop limit of 0 or 1 ends it here.
        return view.Ttl <= 1 ? ForwardResult.Dropped(DropReason.HopLimitExpired) : HandleReply6(buffer, ref view, snapshot, offset, length, now);
    }

    /// <summary>A packet to an IPv6 service: the flow step shared with IPv4 (<c>TrackFlow</c>), then the mode's IPv6 rewrite.</summary>
    private ForwardResult HandleToService6(Span<byte> buffer, ref PacketView view, L4Snapshot snapshot, L4Service service, int offset, int length, int ingress, long now)
    {
        ForwardingModeKind kind = service.Kind;
        if (service.DecrementsTtl && view.Ttl <= 1)
        {
            return ForwardResult.Dropped(DropReason.HopLimitExpired);
        }

        var key = new FlowKey6(view.SourceAddress6, view.DestinationAddress6, view.SourcePort, view.DestinationPort, view.Protocol);
        DropReason drop = TrackFlow<Ipv6Flows, FlowKey6, FlowEntry6>(in key, buffer, ref view, service, offset, ingress, now, out int backendIndex, out FlowEntry6 entry);
        if (drop != DropReason.None)
        {
            return ForwardResult.Dropped(drop);
        }

        ref readonly L4Backend backend = ref service.Backends[backendIndex];
        int outOffset = offset;
        int outLength = length;
        switch (kind)
        {
            case ForwardingModeKind.Nat:
                Nat66Rewriter.ToBackend(buffer, in view, backend.Address6, backend.Port, backend.Mac, snapshot.BalancerMac, service.ChecksumMode);
                break;
            case ForwardingModeKind.FullNat:
                Nat66Rewriter.FullNatToBackend(buffer, in view, entry.NatAddress, entry.NatPort, backend.Address6, backend.Port, backend.Mac, snapshot.BalancerMac, service.ChecksumMode);
                break;
            case ForwardingModeKind.Tunnel:
                if (view.L2Offset < Ip6ip6Tunnel.Overhead)
                {
                    return ForwardResult.Dropped(DropReason.NoHeadroom);
                }

                if (view.IpTotalLength > Ip6ip6Tunnel.MaxInnerLength)
                {
                    return ForwardResult.Dropped(DropReason.Ipv6TunnelTooLong);
                }

                Ip6ip6Tunnel.PrepareInner(buffer, in view, service.MssClamp, service.MssClampValue, service.ChecksumMode);
                Ip6ip6Tunnel.TryEncapsulate(buffer, in view, length, service.TunnelSource6, backend.Address6, backend.Mac, snapshot.BalancerMac, out outOffset, out outLength);
                break;
            default:
                Nat66Rewriter.DsrToBackend(buffer, in view, backend.Mac, snapshot.BalancerMac, service.ChecksumMode);
                break;
        }

        Counters.CountTx(service.Index, backendIndex, FlowDirection.ToBackend, length);
        return new ForwardResult(Verdict.Tx, DropReason.None, outOffset, outLength, backend.InterfaceIndex);
    }

    private ForwardResult HandleReply6(Span<byte> buffer, ref PacketView view, L4Snapshot snapshot, int offset, int length, long now)
    {
        if (!_table.HasIpv6)
        {
            return ForwardResult.Dropped(DropReason.NotForVip);
        }

        var replyKey = new FlowKey6(view.SourceAddress6, view.DestinationAddress6, view.SourcePort, view.DestinationPort, view.Protocol);
        bool fullNat = snapshot.IsFullNatSource6(view.DestinationAddress6);
        if (!_table.Ipv6.TryGetReverse(replyKey, fullNat, now, view.TcpFlags, out FlowKey6 forwardKey, out FlowEntry6 entry))
        {
            return ForwardResult.Dropped(DropReason.NotForVip);
        }

        L4Service? service = snapshot.FindService6(forwardKey.DestinationAddress, forwardKey.DestinationPort, forwardKey.Protocol);
        if (service is null)
        {
            return ForwardResult.Dropped(DropReason.NoService);
        }

        var clientMac = new EthernetAddress(entry.ClientMac);
        if (fullNat)
        {
            Nat66Rewriter.FullNatToClient(
                buffer, in view, forwardKey.DestinationAddress, forwardKey.DestinationPort, forwardKey.SourceAddress, forwardKey.SourcePort,
                clientMac, snapshot.BalancerMac, service.ChecksumMode);
        }
        else
        {
            Nat66Rewriter.ToClient(buffer, in view, forwardKey.DestinationAddress, forwardKey.DestinationPort, clientMac, snapshot.BalancerMac, service.ChecksumMode);
        }

        Counters.CountTx(service.Index, entry.BackendIndex, FlowDirection.ToClient, length);
        return new ForwardResult(Verdict.Tx, DropReason.None, offset, length, entry.ClientInterfaceIndex);
    }
}
