using System.Buffers.Binary;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Forwarding;

/// <summary>In-place field rewrites shared by the modes; each keeps the checksums right for the chosen <see cref="ChecksumMode"/>.</summary>
internal static class PacketRewriter
{
    /// <summary>Writes destination and source MAC of the Ethernet header at the start of the span.</summary>
    public static void SetMacs(Span<byte> frame, EthernetAddress destination, EthernetAddress source)
    {
        destination.Write(frame[EthernetHeader.DestinationOffset..]);
        source.Write(frame[EthernetHeader.SourceOffset..]);
    }

    /// <summary>Rewrites the IPv4 source address and transport source port; with incremental checksums also patches the L4 checksum.</summary>
    public static void SetSource(Span<byte> ip, int ihl, byte protocol, uint address, ushort port, bool incremental)
        => SetEndpoint(ip, ihl, protocol, Ipv4Header.SourceOffset, 0, address, port, incremental);

    /// <summary>Rewrites the IPv4 destination address and transport destination port; with incremental checksums also patches the L4 checksum.</summary>
    public static void SetDestination(Span<byte> ip, int ihl, byte protocol, uint address, ushort port, bool incremental)
        => SetEndpoint(ip, ihl, protocol, Ipv4Header.DestinationOffset, 2, address, port, incremental);

    /// <summary>Recomputes the IPv4 header checksum and, in full mode, the TCP/UDP checksum (a zero UDP checksum stays "none").</summary>
    public static void FinishChecksums(Span<byte> ip, int ihl, int totalLength, byte protocol, ChecksumMode mode)
    {
        InternetChecksum.WriteIpv4HeaderChecksum(ip, ihl);
        if (mode == ChecksumMode.Full)
        {
            RecomputeTransport(ip, ihl, totalLength, protocol);
        }
    }

    /// <summary>Recomputes the TCP or UDP checksum over the pseudo-header and the whole segment.</summary>
    public static void RecomputeTransport(Span<byte> ip, int ihl, int totalLength, byte protocol)
    {
        Span<byte> segment = ip[ihl..totalLength];
        uint source = BinaryPrimitives.ReadUInt32BigEndian(ip[Ipv4Header.SourceOffset..]);
        uint destination = BinaryPrimitives.ReadUInt32BigEndian(ip[Ipv4Header.DestinationOffset..]);
        if (protocol == Ipv4Header.ProtocolTcp)
        {
            InternetChecksum.WriteTransportChecksum(segment, source, destination, protocol, TcpHeader.ChecksumOffset);
        }
        else if (protocol == Ipv4Header.ProtocolUdp && BinaryPrimitives.ReadUInt16BigEndian(segment[UdpHeader.ChecksumOffset..]) != 0)
        {
            InternetChecksum.WriteTransportChecksum(segment, source, destination, protocol, UdpHeader.ChecksumOffset);
        }
    }

    /// <summary>Lowers the MSS option of a TCP SYN per the clamp mode; returns whether it changed (the checksum is patched incrementally).</summary>
    /// <param name="tcp">The TCP segment.</param>
    /// <param name="tcpHeaderLength">Its header length.</param>
    /// <param name="mode">How to clamp.</param>
    /// <param name="value">The ceiling for <see cref="MssClampMode.Fixed"/>.</param>
    /// <param name="overhead">What <see cref="MssClampMode.SubtractOverhead"/> subtracts: the outer header (IPv4 20, IPv6 40).</param>
    public static bool ClampMss(Span<byte> tcp, int tcpHeaderLength, MssClampMode mode, ushort value, int overhead = Ipv4Header.MinLength)
    {
        if (mode == MssClampMode.Off)
        {
            return false;
        }

        int i = TcpHeader.MinLength;
        while (i < tcpHeaderLength)
        {
            byte kind = tcp[i];
            if (kind == TcpHeader.OptionEnd)
            {
                return false;
            }

            if (kind == TcpHeader.OptionNop)
            {
                i++;
                continue;
            }

            if (i + 1 >= tcpHeaderLength)
            {
                return false;
            }

            int optionLength = tcp[i + 1];
            if (optionLength < 2 || i + optionLength > tcpHeaderLength)
            {
                return false;
            }

            if (kind == TcpHeader.OptionMss && optionLength == 4)
            {
                ushort mss = BinaryPrimitives.ReadUInt16BigEndian(tcp[(i + 2)..]);
                ushort clamped = mode == MssClampMode.SubtractOverhead
                    ? (ushort)Math.Max(mss - overhead, 536)
                    : Math.Min(mss, value);
                if (clamped >= mss)
                {
                    return false;
                }

                BinaryPrimitives.WriteUInt16BigEndian(tcp[(i + 2)..], clamped);
                IncrementalChecksum.Apply16(tcp[TcpHeader.ChecksumOffset..], mss, clamped);
                return true;
            }

            i += optionLength;
        }

        return false;
    }

    /// <summary>Rewrites one endpoint (source or destination) of the datagram an ICMP error quotes, patching the quote's checksums.</summary>
    /// <remarks>The quote holds the full IP header but maybe only 8 transport bytes, so its L4 checksum can only be patched (and only when present).</remarks>
    public static void SetQuotedEndpoint(Span<byte> quote, int ihl, byte protocol, bool source, uint address, ushort port)
    {
        int addressOffset = source ? Ipv4Header.SourceOffset : Ipv4Header.DestinationOffset;
        int portOffset = ihl + (source ? 0 : 2);
        uint oldAddress = BinaryPrimitives.ReadUInt32BigEndian(quote[addressOffset..]);
        ushort oldPort = BinaryPrimitives.ReadUInt16BigEndian(quote[portOffset..]);
        BinaryPrimitives.WriteUInt32BigEndian(quote[addressOffset..], address);
        BinaryPrimitives.WriteUInt16BigEndian(quote[portOffset..], port);
        int checksumOffset = ihl + (protocol == Ipv4Header.ProtocolTcp ? TcpHeader.ChecksumOffset : UdpHeader.ChecksumOffset);
        if (checksumOffset + 2 <= quote.Length)
        {
            Span<byte> field = quote[checksumOffset..];
            ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(field);
            if (protocol == Ipv4Header.ProtocolTcp || checksum != 0)
            {
                checksum = IncrementalChecksum.Update16(IncrementalChecksum.Update32(checksum, oldAddress, address), oldPort, port);
                BinaryPrimitives.WriteUInt16BigEndian(field, protocol == Ipv4Header.ProtocolUdp && checksum == 0 ? (ushort)0xFFFF : checksum);
            }
        }

        InternetChecksum.WriteIpv4HeaderChecksum(quote, ihl);
    }

    /// <summary>Recomputes the ICMP checksum over the whole ICMP message.</summary>
    public static void RecomputeIcmp(Span<byte> icmp)
    {
        icmp[IcmpHeader.ChecksumOffset] = 0;
        icmp[IcmpHeader.ChecksumOffset + 1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[IcmpHeader.ChecksumOffset..], InternetChecksum.Compute(icmp));
    }

    /// <summary>Rewrites the outer IPv4 source or destination address only (ICMP messages have no pseudo-header).</summary>
    public static void SetAddress(Span<byte> ip, bool source, uint address)
        => BinaryPrimitives.WriteUInt32BigEndian(ip[(source ? Ipv4Header.SourceOffset : Ipv4Header.DestinationOffset)..], address);

    private static void SetEndpoint(Span<byte> ip, int ihl, byte protocol, int addressOffset, int portOffset, uint address, ushort port, bool incremental)
    {
        uint oldAddress = BinaryPrimitives.ReadUInt32BigEndian(ip[addressOffset..]);
        BinaryPrimitives.WriteUInt32BigEndian(ip[addressOffset..], address);
        Span<byte> l4 = ip[ihl..];
        ushort oldPort = BinaryPrimitives.ReadUInt16BigEndian(l4[portOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(l4[portOffset..], port);
        if (!incremental)
        {
            return;
        }

        int checksumOffset = protocol == Ipv4Header.ProtocolTcp ? TcpHeader.ChecksumOffset : UdpHeader.ChecksumOffset;
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(l4[checksumOffset..]);
        if (protocol == Ipv4Header.ProtocolUdp && checksum == 0)
        {
            return;
        }

        checksum = IncrementalChecksum.Update16(IncrementalChecksum.Update32(checksum, oldAddress, address), oldPort, port);
        if (protocol == Ipv4Header.ProtocolUdp && checksum == 0)
        {
            checksum = 0xFFFF;
        }

        BinaryPrimitives.WriteUInt16BigEndian(l4[checksumOffset..], checksum);
    }
}
