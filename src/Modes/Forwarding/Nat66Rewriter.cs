using System.Buffers.Binary;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Forwarding;

/// <summary>The NAT66 rewrites (two-arm NAT over IPv6) of a parsed TCP or UDP packet, in place: to the backend, and replies back to the client.</summary>
/// <remarks>
/// IPv6 has no header checksum, so only the transport checksum changes: recomputed over the RFC 8200 pseudo-header, or
/// patched for the changed address and port (RFC 1624). Extension headers stay where they are.
/// </remarks>
internal static class Nat66Rewriter
{
    /// <summary>Client -> VIP:port becomes client -> backend:port; MACs balancer -> backend; hop limit decremented (the caller checked it is above 1).</summary>
    public static void ToBackend(Span<byte> buffer, in PacketView view, UInt128 backendAddress, ushort backendPort, EthernetAddress backendMac, EthernetAddress balancerMac, ChecksumMode mode)
        => Rewrite(buffer, in view, Ipv6Header.DestinationOffset, TcpHeader.DestinationPortOffset, backendAddress, backendPort, backendMac, balancerMac, mode);

    /// <summary>Backend -> client reply becomes VIP:port -> client; MACs balancer -> the client's recorded MAC; hop limit decremented.</summary>
    public static void ToClient(Span<byte> buffer, in PacketView view, UInt128 vip, ushort vipPort, EthernetAddress clientMac, EthernetAddress balancerMac, ChecksumMode mode)
        => Rewrite(buffer, in view, Ipv6Header.SourceOffset, TcpHeader.SourcePortOffset, vip, vipPort, clientMac, balancerMac, mode);

    /// <summary>Full NAT66, client -> VIP:port becomes source:pooled port -> backend:port; MACs balancer -> backend; hop limit decremented.</summary>
    public static void FullNatToBackend(
        Span<byte> buffer, in PacketView view, UInt128 natAddress, ushort natPort, UInt128 backendAddress, ushort backendPort,
        EthernetAddress backendMac, EthernetAddress balancerMac, ChecksumMode mode)
    {
        Rewrite(buffer, in view, Ipv6Header.SourceOffset, TcpHeader.SourcePortOffset, natAddress, natPort, backendMac, balancerMac, ChecksumMode.Incremental, decrement: false);
        Rewrite(buffer, in view, Ipv6Header.DestinationOffset, TcpHeader.DestinationPortOffset, backendAddress, backendPort, backendMac, balancerMac, mode);
    }

    /// <summary>Full NAT66, backend -> source:pooled port reply becomes VIP:port -> client:port; MACs balancer -> the client's recorded MAC; hop limit decremented.</summary>
    public static void FullNatToClient(
        Span<byte> buffer, in PacketView view, UInt128 vip, ushort vipPort, UInt128 client, ushort clientPort,
        EthernetAddress clientMac, EthernetAddress balancerMac, ChecksumMode mode)
    {
        Rewrite(buffer, in view, Ipv6Header.SourceOffset, TcpHeader.SourcePortOffset, vip, vipPort, clientMac, balancerMac, ChecksumMode.Incremental, decrement: false);
        Rewrite(buffer, in view, Ipv6Header.DestinationOffset, TcpHeader.DestinationPortOffset, client, clientPort, clientMac, balancerMac, mode);
    }

    /// <summary>DSR over IPv6: only the MACs change; in full checksum mode the transport checksum is recomputed (veth may hand over partial ones).</summary>
    public static void DsrToBackend(Span<byte> buffer, in PacketView view, EthernetAddress backendMac, EthernetAddress balancerMac, ChecksumMode mode)
    {
        PacketRewriter.SetMacs(buffer[view.L2Offset..], backendMac, balancerMac);
        if (mode == ChecksumMode.Full)
        {
            RecomputeTransport(buffer.Slice(view.L3Offset, view.IpTotalLength), in view);
        }
    }

    /// <summary>Recomputes the TCP or UDP checksum of an IPv6 packet over its pseudo-header (the extension headers are not covered).</summary>
    public static void RecomputeTransport(Span<byte> ip, in PacketView view)
    {
        InternetChecksum.WriteTransportChecksum(
            ip[view.IpHeaderLength..], BinaryPrimitives.ReadUInt128BigEndian(ip[Ipv6Header.SourceOffset..]), BinaryPrimitives.ReadUInt128BigEndian(ip[Ipv6Header.DestinationOffset..]),
            view.Protocol, view.Protocol == Ipv4Header.ProtocolUdp ? UdpHeader.ChecksumOffset : TcpHeader.ChecksumOffset);
    }

    private static void Rewrite(
        Span<byte> buffer, in PacketView view, int addressOffset, int portOffset, UInt128 address, ushort port, EthernetAddress nextHopMac, EthernetAddress balancerMac, ChecksumMode mode,
        bool decrement = true)
    {
        Span<byte> ip = buffer.Slice(view.L3Offset, view.IpTotalLength);
        Span<byte> segment = ip[view.IpHeaderLength..];
        PacketRewriter.SetMacs(buffer[view.L2Offset..], nextHopMac, balancerMac);
        if (decrement)
        {
            ip[Ipv6Header.HopLimitOffset]--;
        }

        // TCP and UDP keep their ports at the same offsets; only the checksum field differs.
        bool udp = view.Protocol == Ipv4Header.ProtocolUdp;
        int checksumOffset = udp ? UdpHeader.ChecksumOffset : TcpHeader.ChecksumOffset;
        UInt128 oldAddress = BinaryPrimitives.ReadUInt128BigEndian(ip[addressOffset..]);
        ushort oldPort = BinaryPrimitives.ReadUInt16BigEndian(segment[portOffset..]);
        BinaryPrimitives.WriteUInt128BigEndian(ip[addressOffset..], address);
        BinaryPrimitives.WriteUInt16BigEndian(segment[portOffset..], port);
        if (mode == ChecksumMode.Full)
        {
            InternetChecksum.WriteTransportChecksum(
                segment, BinaryPrimitives.ReadUInt128BigEndian(ip[Ipv6Header.SourceOffset..]), BinaryPrimitives.ReadUInt128BigEndian(ip[Ipv6Header.DestinationOffset..]),
                view.Protocol, checksumOffset);
            return;
        }

        Span<byte> checksum = segment.Slice(checksumOffset, 2);
        IncrementalChecksum.Apply128(checksum, oldAddress, address);
        IncrementalChecksum.Apply16(checksum, oldPort, port);
        if (udp && BinaryPrimitives.ReadUInt16BigEndian(checksum) == 0)
        {
            // 0 means "no checksum", which IPv6 forbids; 0xFFFF is the same sum in one's complement.
            BinaryPrimitives.WriteUInt16BigEndian(checksum, 0xFFFF);
        }
    }
}
