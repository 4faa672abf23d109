using System.Buffers.Binary;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Forwarding;

/// <summary>IP-in-IP (RFC 2003): the client's packet, untouched, inside an outer IPv4 header addressed to the backend.</summary>
public sealed class IpipForwardingMode : IForwardingMode
{
    /// <summary>The shared instance.</summary>
    public static readonly IpipForwardingMode Instance = new();

    private IpipForwardingMode()
    {
    }

    /// <inheritdoc />
    public string Name => "tunnel";

    /// <inheritdoc />
    public ForwardingModeKind Kind => ForwardingModeKind.Tunnel;

    /// <inheritdoc />
    public bool DecrementsTtl => false;

    /// <summary>Bytes the outer header needs in front of the frame.</summary>
    internal const int Overhead = Ipv4Header.MinLength;

    private const byte OuterTtl = 64;

    /// <summary>Wraps one Ethernet frame holding an IPv4 packet for a backend exactly as client traffic is wrapped (MSS clamp, checksum, outer header); for packets the balancer's own kernel sends, such as the data-path probe's handshake.</summary>
    /// <param name="buffer">Buffer with at least <see cref="Overhead"/> bytes free before <paramref name="offset"/>.</param>
    /// <param name="offset">Start of the Ethernet frame.</param>
    /// <param name="length">Length of the frame.</param>
    /// <param name="clamp">MSS clamping of the service.</param>
    /// <param name="clampValue">MSS for fixed clamping.</param>
    /// <param name="checksum">Checksum mode of the service.</param>
    /// <param name="outerSource">Outer source address (the service's tunnel source).</param>
    /// <param name="backendAddress">Outer destination: the backend.</param>
    /// <param name="ipId">IP identification of the outer header.</param>
    /// <param name="backendMac">Next-hop MAC toward the backend.</param>
    /// <param name="balancerMac">The balancer's MAC.</param>
    /// <param name="outOffset">Start of the wrapped frame.</param>
    /// <param name="outLength">Length of the wrapped frame.</param>
    /// <returns><see cref="DropReason.None"/>, or why the frame cannot be wrapped.</returns>
    public static DropReason Wrap(
        Span<byte> buffer, int offset, int length, MssClampMode clamp, ushort clampValue, ChecksumMode checksum, uint outerSource,
        uint backendAddress, ushort ipId, EthernetAddress backendMac, EthernetAddress balancerMac, out int outOffset, out int outLength)
    {
        outOffset = offset;
        outLength = length;
        DropReason reason = PacketParser.Parse(buffer, offset, length, out PacketView view);
        if (reason != DropReason.None)
        {
            return reason;
        }

        if (view.EtherType == EthernetHeader.EtherTypeArpBigEndianValue)
        {
            return DropReason.NotForVip;
        }

        // IPv4-in-IPv4 only: an IPv6 frame keeps the answer it had before the parser learnt IPv6.
        if (view.IsIpv6)
        {
            return DropReason.NotIpv4;
        }

        if (view.L2Offset < Overhead)
        {
            return DropReason.NoHeadroom;
        }

        PrepareInner(buffer, in view, clamp, clampValue, checksum);
        TryEncapsulate(buffer, in view, length, outerSource, backendAddress, ipId, backendMac, balancerMac, out outOffset, out outLength);
        return DropReason.None;
    }

    /// <summary>Before encapsulation: clamps the MSS of a SYN and, in full checksum mode, recomputes the inner L4 checksum.</summary>
    internal static void PrepareInner(Span<byte> buffer, in PacketView view, MssClampMode clamp, ushort clampValue, ChecksumMode mode)
    {
        Span<byte> ip = buffer.Slice(view.L3Offset, view.IpTotalLength);
        if (view.Protocol == Ipv4Header.ProtocolTcp && (view.TcpFlags & TcpHeader.FlagSyn) != 0)
        {
            PacketRewriter.ClampMss(ip[view.IpHeaderLength..], view.TcpHeaderLength, clamp, clampValue);
        }

        if (mode == ChecksumMode.Full)
        {
            PacketRewriter.RecomputeTransport(ip, view.IpHeaderLength, view.IpTotalLength, view.Protocol);
        }
    }

    /// <summary>Moves the L2 header 20 bytes down and writes the outer IPv4 header into the gap; the payload never moves. False without headroom.</summary>
    internal static bool TryEncapsulate(
        Span<byte> buffer, in PacketView view, int length, uint outerSource, uint backendAddress, ushort ipId,
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
        ReadOnlySpan<byte> inner = buffer.Slice(view.L3Offset, Ipv4Header.MinLength);
        Span<byte> outer = buffer.Slice(outOffset + view.L2Length, Ipv4Header.MinLength);
        outer[Ipv4Header.VersionIhlOffset] = 0x45;
        outer[Ipv4Header.TosOffset] = inner[Ipv4Header.TosOffset];
        BinaryPrimitives.WriteUInt16BigEndian(outer[Ipv4Header.TotalLengthOffset..], (ushort)(view.IpTotalLength + Overhead));
        BinaryPrimitives.WriteUInt16BigEndian(outer[Ipv4Header.IdentificationOffset..], ipId);
        ushort innerFlags = BinaryPrimitives.ReadUInt16BigEndian(inner[Ipv4Header.FlagsFragmentOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(outer[Ipv4Header.FlagsFragmentOffset..], (ushort)(innerFlags & Ipv4Header.DontFragmentMask));
        outer[Ipv4Header.TtlOffset] = OuterTtl;
        outer[Ipv4Header.ProtocolOffset] = Ipv4Header.ProtocolIpip;
        BinaryPrimitives.WriteUInt32BigEndian(outer[Ipv4Header.SourceOffset..], outerSource);
        BinaryPrimitives.WriteUInt32BigEndian(outer[Ipv4Header.DestinationOffset..], backendAddress);
        InternetChecksum.WriteIpv4HeaderChecksum(outer, Ipv4Header.MinLength);
        return true;
    }
}
