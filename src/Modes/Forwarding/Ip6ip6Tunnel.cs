using System.Buffers.Binary;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Forwarding;

/// <summary>The tunnel mode of an IPv6 service: IPv6-in-IPv6 (RFC 2473), the client's packet untouched inside an outer IPv6 header (next header 41) addressed to the backend.</summary>
/// <remarks>
/// Outer header (RFC 8200 section 3), written into the headroom in front of the frame:
/// <code>
/// | ver 6 | traffic class | flow label (copied from the inner header)       |
/// | payload length = inner packet length | next header 41 | hop limit 64   |
/// | source = the service's tunnel source (16 bytes)                          |
/// | destination = the backend (16 bytes)                                     |
/// </code>
/// </remarks>
internal static class Ip6ip6Tunnel
{
    /// <summary>Bytes the outer header needs in front of the frame.</summary>
    public const int Overhead = Ipv6Header.Length;

    /// <summary>Next header value of an IPv6 packet inside IPv6.</summary>
    public const byte NextHeaderIpv6 = 41;

    /// <summary>The longest inner packet whose length fits the outer header's 16-bit payload length.</summary>
    public const int MaxInnerLength = ushort.MaxValue;

    private const byte OuterHopLimit = 64;

    /// <summary>Before encapsulation: clamps the MSS of a SYN by the 40 outer bytes (or to the fixed value) and, in full checksum mode, recomputes the inner transport checksum.</summary>
    public static void PrepareInner(Span<byte> buffer, in PacketView view, MssClampMode clamp, ushort clampValue, ChecksumMode mode)
    {
        Span<byte> ip = buffer.Slice(view.L3Offset, view.IpTotalLength);
        if (view.Protocol == Ipv4Header.ProtocolTcp && (view.TcpFlags & TcpHeader.FlagSyn) != 0)
        {
            PacketRewriter.ClampMss(ip[view.IpHeaderLength..], view.TcpHeaderLength, clamp, clampValue, Overhead);
        }

        if (mode == ChecksumMode.Full)
        {
            Nat66Rewriter.RecomputeTransport(ip, in view);
        }
    }

    /// <summary>Moves the L2 header 40 bytes down and writes the outer IPv6 header into the gap; the packet itself never moves. False without headroom.</summary>
    public static bool TryEncapsulate(
        Span<byte> buffer, in PacketView view, int length, UInt128 outerSource, UInt128 backendAddress,
        EthernetAddress backendMac, EthernetAddress balancerMac, out int outOffset, out int outLength)
    {
        outOffset = view.L2Offset - Overhead;
        outLength = length + Overhead;
        if (outOffset < 0)
        {
            return false;
        }

        buffer.Slice(view.L2Offset, view.L2Length).CopyTo(buffer[outOffset..]);
        PacketRewriter.SetMacs(buffer[outOffset..], backendMac, balancerMac);
        Span<byte> outer = buffer.Slice(outOffset + view.L2Length, Overhead);
        buffer.Slice(view.L3Offset, 4).CopyTo(outer);
        BinaryPrimitives.WriteUInt16BigEndian(outer[Ipv6Header.PayloadLengthOffset..], (ushort)view.IpTotalLength);
        outer[Ipv6Header.NextHeaderOffset] = NextHeaderIpv6;
        outer[Ipv6Header.HopLimitOffset] = OuterHopLimit;
        BinaryPrimitives.WriteUInt128BigEndian(outer[Ipv6Header.SourceOffset..], outerSource);
        BinaryPrimitives.WriteUInt128BigEndian(outer[Ipv6Header.DestinationOffset..], backendAddress);
        return true;
    }
}
