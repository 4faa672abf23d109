using System.Buffers.Binary;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>Path MTU through the IPv6-in-IPv6 tunnel: a Packet Too Big about an encapsulated packet becomes one to the client about its own packet.</summary>
public sealed partial class L4Processor
{
    private const byte Icmpv6PacketTooBig = 2;
    private const int Ipv6MinimumMtu = 1280;
    private const int TunnelQuoteMinLength = Ip6ip6Tunnel.Overhead + Ipv6Header.Length + IcmpHeader.ErrorTransportBytes;

    /// <summary>
    /// A router between the balancer and a backend reports a tunnel packet too big (to the tunnel source). The client only
    /// knows its own packet, which is the quote minus the outer header: the message is rebuilt in place, 40 bytes further
    /// on, as a Packet Too Big from the VIP6 to the client, quoting that packet, with the MTU lowered by the outer header.
    /// </summary>
    private ForwardResult HandleTunnelPacketTooBig(Span<byte> buffer, ref PacketView view, L4Snapshot snapshot, long now)
    {
        int end = view.L3Offset + view.IpTotalLength;
        int icmpStart = view.L4Offset;
        Span<byte> quote = buffer[(icmpStart + IcmpHeader.Length)..end];
        if (view.IcmpType != Icmpv6PacketTooBig || quote.Length < TunnelQuoteMinLength)
        {
            return ForwardResult.Dropped(DropReason.UnsupportedProtocol);
        }

        Span<byte> inner = quote[Ip6ip6Tunnel.Overhead..];
        byte protocol = inner[Ipv6Header.NextHeaderOffset];
        if (inner[Ipv6Header.VersionOffset] >> 4 != 6 || protocol is not (Ipv4Header.ProtocolTcp or Ipv4Header.ProtocolUdp))
        {
            return ForwardResult.Dropped(DropReason.UnsupportedProtocol);
        }

        UInt128 client = BinaryPrimitives.ReadUInt128BigEndian(inner[Ipv6Header.SourceOffset..]);
        UInt128 vip = BinaryPrimitives.ReadUInt128BigEndian(inner[Ipv6Header.DestinationOffset..]);
        ushort clientPort = BinaryPrimitives.ReadUInt16BigEndian(inner[Ipv6Header.Length..]);
        ushort vipPort = BinaryPrimitives.ReadUInt16BigEndian(inner[(Ipv6Header.Length + 2)..]);
        L4Service? service = snapshot.FindService6(vip, vipPort, protocol);
        if (service is null || service.Kind != ForwardingModeKind.Tunnel
            || BinaryPrimitives.ReadUInt128BigEndian(quote[Ipv6Header.SourceOffset..]) != service.TunnelSource6)
        {
            return ForwardResult.Dropped(DropReason.NotForVip);
        }

        if (!_table.HasIpv6 || !_table.Ipv6.TryGetForward(new FlowKey6(client, vip, clientPort, vipPort, protocol), now, 0, out FlowEntry6 entry))
        {
            return ForwardResult.Dropped(DropReason.NoFlow);
        }

        uint mtu = BinaryPrimitives.ReadUInt32BigEndian(buffer[(icmpStart + 4)..]);
        uint clientMtu = Math.Max(mtu, Ipv6MinimumMtu + Ip6ip6Tunnel.Overhead) - Ip6ip6Tunnel.Overhead;

        // New layout, ending where the packet ends: [L2][IPv6 40][ICMPv6 8][the client's packet]. The new ICMPv6 header takes
        // the quoted outer header's last 8 bytes, so the new IPv6 header starts where the old ICMPv6 header did.
        int newIp = icmpStart;
        int newOffset = newIp - view.L2Length;
        buffer.Slice(view.L2Offset, view.L2Length).CopyTo(buffer[newOffset..]);
        PacketRewriter.SetMacs(buffer[newOffset..], new EthernetAddress(entry.ClientMac), snapshot.BalancerMac);
        Span<byte> ip = buffer[newIp..end];
        Span<byte> icmp = ip[Ipv6Header.Length..];
        BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000);
        BinaryPrimitives.WriteUInt16BigEndian(ip[Ipv6Header.PayloadLengthOffset..], (ushort)icmp.Length);
        ip[Ipv6Header.NextHeaderOffset] = Ipv6Header.NextHeaderIcmpv6;
        ip[Ipv6Header.HopLimitOffset] = 64;
        BinaryPrimitives.WriteUInt128BigEndian(ip[Ipv6Header.SourceOffset..], vip);
        BinaryPrimitives.WriteUInt128BigEndian(ip[Ipv6Header.DestinationOffset..], client);
        icmp[IcmpHeader.TypeOffset] = Icmpv6PacketTooBig;
        icmp[IcmpHeader.CodeOffset] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], clientMtu);
        InternetChecksum.WriteTransportChecksum(icmp, vip, client, Ipv6Header.NextHeaderIcmpv6, IcmpHeader.ChecksumOffset);
        Counters.CountTx(service.Index, entry.BackendIndex, FlowDirection.ToClient, end - newOffset);
        return new ForwardResult(Verdict.Tx, DropReason.None, newOffset, end - newOffset, entry.ClientInterfaceIndex);
    }
}
