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
