using System.Buffers.Binary;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.ClientAddress;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Forwarding;

/// <summary>Writes <see cref="ClientAddressOption"/> into a client's SYN after the full-NAT rewrite, growing the TCP header into the frame's headroom.</summary>
public static class ClientAddressOptionWriter
{
    private const int Grow = ClientAddressOption.InsertedLength;

    /// <summary>
    /// Inserts the option after the fixed TCP header of the SYN in <paramref name="view"/> (already rewritten by full NAT;
    /// the view still holds the client's address and port). The Ethernet, IP and fixed TCP headers move 12 bytes down
    /// into the headroom, as the tunnel's outer header does, so the options and payload never move. IP total length, TCP
    /// data offset and both checksums are set. Without room the frame stays as it is.
    /// </summary>
    /// <param name="buffer">The buffer holding the frame.</param>
    /// <param name="view">The parsed frame (a TCP SYN without ACK).</param>
    /// <param name="length">Length of the frame.</param>
    /// <param name="outOffset">Start of the frame to send.</param>
    /// <param name="outLength">Length of the frame to send.</param>
    public static ClientAddressOptionOutcome Insert(Span<byte> buffer, in PacketView view, int length, out int outOffset, out int outLength)
    {
        outOffset = view.L2Offset;
        outLength = length;
        int ihl = view.IpHeaderLength;
        int tcpLength = view.TcpHeaderLength;
        if (view.IpTotalLength != ihl + tcpLength)
        {
            return ClientAddressOptionOutcome.SynPayload;
        }

        Span<byte> ip = buffer.Slice(view.L3Offset, view.IpTotalLength);
        Existing existing = OverwriteExisting(ip.Slice(ihl + TcpHeader.MinLength, tcpLength - TcpHeader.MinLength), view.SourceAddress, view.SourcePort);
        if (existing == Existing.Replaced)
        {
            PacketRewriter.RecomputeTransport(ip, ihl, view.IpTotalLength, Ipv4Header.ProtocolTcp);
            return ClientAddressOptionOutcome.Replaced;
        }

        ClientAddressOptionOutcome cannot = tcpLength + Grow > ClientAddressOption.MaxTcpHeaderLength ? ClientAddressOptionOutcome.NoOptionSpace
            : view.L2Offset < Grow ? ClientAddressOptionOutcome.NoHeadroom
            : ClientAddressOptionOutcome.Added;
        if (cannot != ClientAddressOptionOutcome.Added)
        {
            if (existing == Existing.Blanked)
            {
                PacketRewriter.RecomputeTransport(ip, ihl, view.IpTotalLength, Ipv4Header.ProtocolTcp);
            }

            return cannot;
        }

        int fixedEnd = view.L4Offset + TcpHeader.MinLength;
        buffer[view.L2Offset..fixedEnd].CopyTo(buffer[(view.L2Offset - Grow)..]);
        Span<byte> option = buffer.Slice(fixedEnd - Grow, Grow);
        option[0] = TcpHeader.OptionNop;
        option[1] = TcpHeader.OptionNop;
        WriteOption(option[2..], view.SourceAddress, view.SourcePort);

        Span<byte> grown = buffer.Slice(view.L3Offset - Grow, view.IpTotalLength + Grow);
        BinaryPrimitives.WriteUInt16BigEndian(grown[Ipv4Header.TotalLengthOffset..], (ushort)grown.Length);
        ref byte dataOffset = ref grown[ihl + TcpHeader.DataOffsetOffset];
        dataOffset = (byte)((((tcpLength + Grow) / 4) << 4) | (dataOffset & 0x0F));
        InternetChecksum.WriteIpv4HeaderChecksum(grown, ihl);
        PacketRewriter.RecomputeTransport(grown, ihl, grown.Length, Ipv4Header.ProtocolTcp);
        outOffset = view.L2Offset - Grow;
        outLength = length + Grow;
        return ClientAddressOptionOutcome.Added;
    }

    /// <summary>Writes kind, length, ExID, port and address (10 bytes) at the start of <paramref name="option"/>.</summary>
    internal static void WriteOption(Span<byte> option, uint address, ushort port)
    {
        option[0] = ClientAddressOption.Kind;
        option[1] = ClientAddressOption.OptionLength;
        BinaryPrimitives.WriteUInt16BigEndian(option[ClientAddressOption.ExperimentIdOffset..], ClientAddressOption.ExperimentId);
        BinaryPrimitives.WriteUInt16BigEndian(option[ClientAddressOption.PortOffset..], port);
        BinaryPrimitives.WriteUInt32BigEndian(option[ClientAddressOption.AddressOffset..], address);
    }

    private enum Existing
    {
        None,
        Blanked,
        Replaced,
    }

    // A client may send the option itself to claim another address: every copy is overwritten with the real one, which
    // also needs no room; one of ours with a wrong length becomes NOPs, so the reader never stops at it.
    private static Existing OverwriteExisting(Span<byte> options, uint address, ushort port)
    {
        Existing found = Existing.None;
        int i = 0;
        while (i < options.Length)
        {
            byte kind = options[i];
            if (kind == TcpHeader.OptionEnd)
            {
                break;
            }

            if (kind == TcpHeader.OptionNop)
            {
                i++;
                continue;
            }

            if (i + 1 >= options.Length)
            {
                break;
            }

            int optionLength = options[i + 1];
            if (optionLength < 2 || i + optionLength > options.Length)
            {
                break;
            }

            if (kind == ClientAddressOption.Kind && optionLength >= 4
                && BinaryPrimitives.ReadUInt16BigEndian(options[(i + ClientAddressOption.ExperimentIdOffset)..]) == ClientAddressOption.ExperimentId)
            {
                if (optionLength == ClientAddressOption.OptionLength)
                {
                    WriteOption(options.Slice(i, optionLength), address, port);
                    found = Existing.Replaced;
                }
                else
                {
                    options.Slice(i, optionLength).Fill(TcpHeader.OptionNop);
                    found = found == Existing.None ? Existing.Blanked : found;
                }
            }

            i += optionLength;
        }

        return found;
    }
}
