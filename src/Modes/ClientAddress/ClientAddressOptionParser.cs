using System.Buffers.Binary;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.ClientAddress;

/// <summary>
/// Reads <see cref="ClientAddressOption"/> from the headers of a SYN as Linux saves them for an accepted socket
/// (getsockopt TCP_SAVED_SYN: the IPv4 or IPv6 header followed by the TCP header). Bounds-checked, no allocation.
/// </summary>
public static class ClientAddressOptionParser
{
    private const int Ipv6HeaderLength = 40;
    private const int Ipv6NextHeaderOffset = 6;

    /// <summary>Finds the first option with this project's ExID in the SYN headers.</summary>
    /// <param name="syn">IP header then TCP header, as saved by the kernel.</param>
    /// <param name="address">The client's IPv4 address, host numeric order (0 unless found).</param>
    /// <param name="port">The client's port (0 unless found).</param>
    public static ClientAddressParseStatus TryParse(ReadOnlySpan<byte> syn, out uint address, out ushort port)
    {
        address = 0;
        port = 0;
        if (!TryFindTcp(syn, out var tcp))
        {
            return ClientAddressParseStatus.Malformed;
        }

        int headerLength = (tcp[TcpHeader.DataOffsetOffset] >> 4) * 4;
        if (headerLength < TcpHeader.MinLength || headerLength > tcp.Length)
        {
            return ClientAddressParseStatus.Malformed;
        }

        return FindOption(tcp[TcpHeader.MinLength..headerLength], out address, out port);
    }

    /// <summary>Walks the TCP options; returns Found at the first option of ours, Absent at the end, Malformed on a bad length.</summary>
    internal static ClientAddressParseStatus FindOption(ReadOnlySpan<byte> options, out uint address, out ushort port)
    {
        address = 0;
        port = 0;
        int i = 0;
        while (i < options.Length)
        {
            byte kind = options[i];
            if (kind == TcpHeader.OptionEnd)
            {
                return ClientAddressParseStatus.Absent;
            }

            if (kind == TcpHeader.OptionNop)
            {
                i++;
                continue;
            }

            if (i + 1 >= options.Length)
            {
                return ClientAddressParseStatus.Malformed;
            }

            int length = options[i + 1];
            if (length < 2 || i + length > options.Length)
            {
                return ClientAddressParseStatus.Malformed;
            }

            if (kind == ClientAddressOption.Kind && length >= 4
                && BinaryPrimitives.ReadUInt16BigEndian(options[(i + ClientAddressOption.ExperimentIdOffset)..]) == ClientAddressOption.ExperimentId)
            {
                if (length != ClientAddressOption.OptionLength)
                {
                    return ClientAddressParseStatus.Malformed;
                }

                var option = options.Slice(i, length);
                port = BinaryPrimitives.ReadUInt16BigEndian(option[ClientAddressOption.PortOffset..]);
                address = BinaryPrimitives.ReadUInt32BigEndian(option[ClientAddressOption.AddressOffset..]);
                return ClientAddressParseStatus.Found;
            }

            i += length;
        }

        return ClientAddressParseStatus.Absent;
    }

    private static bool TryFindTcp(ReadOnlySpan<byte> syn, out ReadOnlySpan<byte> tcp)
    {
        tcp = default;
        if (syn.IsEmpty)
        {
            return false;
        }

        int version = syn[0] >> 4;
        int ipLength;
        byte protocol;
        if (version == 4)
        {
            ipLength = (syn[0] & 0x0F) * 4;
            if (ipLength < Ipv4Header.MinLength || syn.Length < ipLength)
            {
                return false;
            }

            protocol = syn[Ipv4Header.ProtocolOffset];
        }
        else if (version == 6)
        {
            // Extension headers are not followed: a SYN with them is reported as malformed rather than guessed at.
            ipLength = Ipv6HeaderLength;
            if (syn.Length < ipLength)
            {
                return false;
            }

            protocol = syn[Ipv6NextHeaderOffset];
        }
        else
        {
            return false;
        }

        if (protocol != Ipv4Header.ProtocolTcp || syn.Length < ipLength + TcpHeader.MinLength)
        {
            return false;
        }

        tcp = syn[ipLength..];
        return true;
    }
}
