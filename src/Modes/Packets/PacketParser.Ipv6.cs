using System.Buffers.Binary;

namespace LoadBalancer.Modes.Packets;

/// <summary>The IPv6 half of the parser: fixed header, extension header chain, then TCP, UDP or ICMPv6.</summary>
public static partial class PacketParser
{
    /// <summary>Parses the IPv6 packet that follows the Ethernet header (<paramref name="l2"/> bytes into the frame).</summary>
    private static DropReason ParseIpv6(ReadOnlySpan<byte> frame, int l2, int offset, ref PacketView view)
    {
        ReadOnlySpan<byte> ip = frame[l2..];
        if (ip.Length < Ipv6Header.Length)
        {
            return DropReason.Truncated;
        }

        if (ip[Ipv6Header.VersionOffset] >> 4 != 6)
        {
            return DropReason.Ipv6BadVersion;
        }

        // Payload length 0 announces a jumbogram (RFC 2675), which no Ethernet link carries.
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip[Ipv6Header.PayloadLengthOffset..]);
        if (payloadLength == 0)
        {
            return DropReason.BadTotalLength;
        }

        int totalLength = Ipv6Header.Length + payloadLength;
        if (totalLength > ip.Length)
        {
            return DropReason.Truncated;
        }

        ip = ip[..totalLength];
        view.L3Offset = offset + l2;
        view.IpTotalLength = totalLength;
        view.Ttl = ip[Ipv6Header.HopLimitOffset];
        view.SourceAddress6 = BinaryPrimitives.ReadUInt128BigEndian(ip[Ipv6Header.SourceOffset..]);
        view.DestinationAddress6 = BinaryPrimitives.ReadUInt128BigEndian(ip[Ipv6Header.DestinationOffset..]);

        DropReason reason = WalkExtensionHeaders(ip, out int l4Start, out byte protocol, out bool firstFragment);
        if (reason != DropReason.None)
        {
            return reason;
        }

        view.Protocol = protocol;
        view.IpHeaderLength = l4Start;
        view.L4Offset = view.L3Offset + l4Start;
        ReadOnlySpan<byte> l4 = ip[l4Start..];
        if (firstFragment)
        {
            // Like IPv4, fragments are not served; a first fragment without its transport header is an evasion attempt.
            return HasTransportHeader(l4, protocol) ? DropReason.Fragment : DropReason.Ipv6FragmentWithoutL4Header;
        }

        switch (protocol)
        {
            case Ipv4Header.ProtocolTcp:
                return ParseTcp(l4, ref view);
            case Ipv4Header.ProtocolUdp:
                reason = ParseUdp(l4, ref view);
                return reason == DropReason.None && BinaryPrimitives.ReadUInt16BigEndian(l4[UdpHeader.ChecksumOffset..]) == 0
                    ? DropReason.Ipv6UdpZeroChecksum
                    : reason;
            case Ipv6Header.NextHeaderIcmpv6:
                if (l4.Length < IcmpHeader.Length)
                {
                    return DropReason.Truncated;
                }

                view.IcmpType = l4[IcmpHeader.TypeOffset];
                view.IcmpLength = l4.Length;
                return DropReason.None;
            default:
                return DropReason.UnsupportedProtocol;
        }
    }

    /// <summary>Skips hop-by-hop, routing, destination options and atomic fragment headers (RFC 8200 section 4) up to the upper-layer header.</summary>
    /// <param name="ip">The IPv6 packet, cut to its payload length.</param>
    /// <param name="position">Offset of the upper-layer header within <paramref name="ip"/>.</param>
    /// <param name="next">The upper-layer protocol (any value that is not one of the skipped extension headers).</param>
    /// <param name="firstFragment">Whether a fragment header with offset 0 and M set was crossed.</param>
    private static DropReason WalkExtensionHeaders(ReadOnlySpan<byte> ip, out int position, out byte next, out bool firstFragment)
    {
        position = Ipv6Header.Length;
        next = ip[Ipv6Header.NextHeaderOffset];
        firstFragment = false;
        for (int count = 1; ; count++)
        {
            if (next is not (Ipv6Header.NextHeaderHopByHop or Ipv6Header.NextHeaderDestinationOptions or Ipv6Header.NextHeaderRouting or Ipv6Header.NextHeaderFragment))
            {
                return DropReason.None;
            }

            if (count > Ipv6Header.MaxExtensionHeaders)
            {
                return DropReason.Ipv6ExtensionChainTooLong;
            }

            if (next == Ipv6Header.NextHeaderHopByHop && position != Ipv6Header.Length)
            {
                return DropReason.Ipv6MalformedExtension;
            }

            // Every extension header is at least 8 octets; inside a first fragment a cut chain is RFC 7112's case.
            ReadOnlySpan<byte> header = ip[position..];
            if (header.Length < 8)
            {
                return firstFragment ? DropReason.Ipv6FragmentWithoutL4Header : DropReason.Truncated;
            }

            int headerLength = Ipv6Header.FragmentHeaderLength;
            if (next == Ipv6Header.NextHeaderFragment)
            {
                ushort field = BinaryPrimitives.ReadUInt16BigEndian(header[Ipv6Header.FragmentOffsetFieldOffset..]);
                if ((field & Ipv6Header.FragmentOffsetMask) != 0)
                {
                    return DropReason.Fragment;
                }

                // Offset 0 without M is an atomic fragment (RFC 6946): the whole packet, processed as if unfragmented.
                firstFragment |= (field & Ipv6Header.MoreFragmentsMask) != 0;
            }
            else
            {
                headerLength = (header[1] + 1) * 8;
                if (headerLength > header.Length)
                {
                    return firstFragment ? DropReason.Ipv6FragmentWithoutL4Header : DropReason.Truncated;
                }

                DropReason reason = next == Ipv6Header.NextHeaderRouting
                    ? (header[Ipv6Header.SegmentsLeftOffset] == 0 ? DropReason.None : DropReason.Ipv6RoutingSegmentsLeft)
                    : CheckOptions(header[2..headerLength]);
                if (reason != DropReason.None)
                {
                    return reason;
                }
            }

            next = header[0];
            position += headerLength;
        }
    }

    /// <summary>Checks the TLV options of a hop-by-hop or destination options header (RFC 8200 section 4.2).</summary>
    private static DropReason CheckOptions(ReadOnlySpan<byte> options)
    {
        int i = 0;
        while (i < options.Length)
        {
            byte type = options[i];
            if (type == Ipv6Header.OptionPad1)
            {
                i++;
                continue;
            }

            if (options.Length - i < 2 || options[i + 1] > options.Length - i - 2)
            {
                return DropReason.Ipv6MalformedExtension;
            }

            // Recognised options with action bits set (jumbo payload, home address) are not served either.
            if ((type & Ipv6Header.OptionActionMask) != 0)
            {
                return DropReason.Ipv6UnrecognizedOption;
            }

            i += 2 + options[i + 1];
        }

        return DropReason.None;
    }

    /// <summary>Whether a first fragment holds the whole transport header (ports, and for TCP its options).</summary>
    private static bool HasTransportHeader(ReadOnlySpan<byte> l4, byte protocol) => protocol switch
    {
        Ipv4Header.ProtocolTcp => l4.Length >= TcpHeader.MinLength && l4.Length >= (l4[TcpHeader.DataOffsetOffset] >> 4) * 4,
        Ipv4Header.ProtocolUdp => l4.Length >= UdpHeader.Length,
        Ipv6Header.NextHeaderIcmpv6 => l4.Length >= IcmpHeader.Length,
        _ => true,
    };
}
