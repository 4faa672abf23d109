using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Forwarding;

/// <summary>Wraps one IPv6 frame of the balancer's own kernel (the tunnel data-path probe) in IPv6-in-IPv6 for a chosen backend, with the same steps as client traffic of an IPv6 tunnel service.</summary>
public static class Ip6ip6ProbeWrapper
{
    /// <summary>Bytes of headroom the frame needs in front of it.</summary>
    public const int Overhead = Ip6ip6Tunnel.Overhead;

    /// <summary>Wraps the IPv6 frame at buffer[offset..offset+length] (Ethernet header first) for <paramref name="backendAddress"/>.</summary>
    /// <param name="buffer">The buffer; at least <see cref="Overhead"/> bytes before <paramref name="offset"/> are used.</param>
    /// <param name="offset">Start of the frame.</param>
    /// <param name="length">Length of the frame.</param>
    /// <param name="clamp">MSS clamp of the service.</param>
    /// <param name="clampValue">Fixed MSS value (for <see cref="MssClampMode.Fixed"/>).</param>
    /// <param name="checksum">Checksum mode of the service.</param>
    /// <param name="outerSource">Outer source (the service's tunnel source).</param>
    /// <param name="backendAddress">Outer destination (the backend).</param>
    /// <param name="backendMac">Next-hop MAC toward the backend.</param>
    /// <param name="balancerMac">The balancer's MAC.</param>
    /// <param name="outOffset">Start of the wrapped frame.</param>
    /// <param name="outLength">Length of the wrapped frame.</param>
    /// <returns><see cref="DropReason.None"/>, or why the frame cannot be wrapped.</returns>
    public static DropReason Wrap(
        Span<byte> buffer, int offset, int length, MssClampMode clamp, ushort clampValue, ChecksumMode checksum, UInt128 outerSource,
        UInt128 backendAddress, EthernetAddress backendMac, EthernetAddress balancerMac, out int outOffset, out int outLength)
    {
        outOffset = offset;
        outLength = length;
        DropReason reason = PacketParser.Parse(buffer, offset, length, out PacketView view);
        if (reason != DropReason.None)
        {
            return reason;
        }

        if (!view.IsIpv6)
        {
            return DropReason.NotForVip;
        }

        if (view.L2Offset < Overhead)
        {
            return DropReason.NoHeadroom;
        }

        if (view.IpTotalLength > Ip6ip6Tunnel.MaxInnerLength)
        {
            return DropReason.Ipv6TunnelTooLong;
        }

        Ip6ip6Tunnel.PrepareInner(buffer, in view, clamp, clampValue, checksum);
        Ip6ip6Tunnel.TryEncapsulate(buffer, in view, length, outerSource, backendAddress, backendMac, balancerMac, out outOffset, out outLength);
        return DropReason.None;
    }
}
