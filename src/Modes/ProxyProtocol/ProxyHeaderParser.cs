using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace LoadBalancer.Modes.ProxyProtocol;

/// <summary>
/// Parses a PROXY protocol header (haproxy.org/download/2.9/doc/proxy-protocol.txt) from the start of a connection's
/// bytes. Only the first 108 bytes are ever copied (to the stack): a v1 line is at most 107 bytes and the v2 fields
/// read here end at byte 52; v2 TLVs are skipped by length. Nothing is allocated except the endpoints of a PROXY
/// command.
/// </summary>
public static class ProxyHeaderParser
{
    /// <summary>Longest v1 header, CRLF included (section 2.1).</summary>
    public const int V1MaxLength = 107;

    /// <summary>The v2 signature, 12 bytes (section 2.2).</summary>
    public static ReadOnlySpan<byte> V2Signature => "\r\n\r\n\0\r\nQUIT\n"u8;

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    //   0                   1                   2                   3
    //   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //  +-------------------------------------------------------------+
    //  |              signature (12 bytes, bytes 0-11)               |
    //  +---------------+---------------+-----------------------------+
    //  | ver | cmd (12)| fam | prot(13)|   length, big endian (14-15) |
    //  +---------------+---------------+-----------------------------+
    //  | addresses (IPv4: 12 bytes, IPv6: 36, unix: 216), then TLVs   |
    private const int V2VersionCommandOffset = 12;
    private const int V2FamilyOffset = 13;
    private const int V2LengthOffset = 14;
    private const int V2HeaderLength = 16;
    private const int V2Ipv4AddressLength = 12;
    private const int V2Ipv6AddressLength = 36;
    private const int CopyLength = 108;

    /// <summary>Parses the header at the start of <paramref name="input"/>.</summary>
    /// <returns><see cref="ProxyParseStatus.Incomplete"/> when more bytes are needed (nothing wrong yet), <see cref="ProxyParseStatus.Complete"/>
    /// with <paramref name="header"/>, or <see cref="ProxyParseStatus.Invalid"/> with <paramref name="error"/>.</returns>
    public static ProxyParseStatus TryParse(ReadOnlySequence<byte> input, ProxyProtocolVersions allowed, out ProxyHeader header, out ProxyHeaderError error)
    {
        header = default;
        error = ProxyHeaderError.None;
        Span<byte> buffer = stackalloc byte[CopyLength];
        int n = (int)Math.Min(input.Length, CopyLength);
        input.Slice(0, n).CopyTo(buffer);
        ReadOnlySpan<byte> head = buffer[..n];
        if (n == 0)
        {
            return ProxyParseStatus.Incomplete;
        }

        bool isV1 = head[0] == (byte)'P';
        ReadOnlySpan<byte> signature = isV1 ? V1Prefix : V2Signature;
        int compare = Math.Min(n, signature.Length);
        if (!head[..compare].SequenceEqual(signature[..compare]))
        {
            return Fail(ProxyHeaderError.BadSignature, out error);
        }
        if ((allowed & (isV1 ? ProxyProtocolVersions.V1 : ProxyProtocolVersions.V2)) == 0)
        {
            return Fail(ProxyHeaderError.VersionNotAllowed, out error);
        }
        return isV1 ? ParseV1(head, out header, out error) : ParseV2(head, input.Length, out header, out error);
    }

    private static ProxyParseStatus Fail(ProxyHeaderError reason, out ProxyHeaderError error)
    {
        error = reason;
        return ProxyParseStatus.Invalid;
    }

    private static ProxyParseStatus ParseV1(ReadOnlySpan<byte> head, out ProxyHeader header, out ProxyHeaderError error)
    {
        header = default;
        error = ProxyHeaderError.None;
        int lf = head.IndexOf((byte)'\n');
        if (lf < 0)
        {
            return head.Length >= V1MaxLength ? Fail(ProxyHeaderError.TooLong, out error) : ProxyParseStatus.Incomplete;
        }
        if (lf + 1 > V1MaxLength)
        {
            return Fail(ProxyHeaderError.TooLong, out error);
        }
        if (lf < V1Prefix.Length + 1 || head[lf - 1] != (byte)'\r')
        {
            return Fail(ProxyHeaderError.Malformed, out error);
        }

        ReadOnlySpan<byte> line = head[V1Prefix.Length..(lf - 1)];
        int length = lf + 1;
        if (line.StartsWith("UNKNOWN"u8) && (line.Length == 7 || line[7] == (byte)' '))
        {
            // Section 2.1: with UNKNOWN the receiver ignores the rest of the line and keeps the socket's addresses.
            header = new ProxyHeader { Length = length, Version = 1 };
            return ProxyParseStatus.Complete;
        }

        AddressFamily family;
        if (line.StartsWith("TCP4 "u8))
        {
            family = AddressFamily.InterNetwork;
        }
        else if (line.StartsWith("TCP6 "u8))
        {
            family = AddressFamily.InterNetworkV6;
        }
        else
        {
            return Fail(ProxyHeaderError.Malformed, out error);
        }

        ReadOnlySpan<byte> rest = line[5..];
        if (!NextField(ref rest, out var sourceText) || !NextField(ref rest, out var destinationText)
            || !NextField(ref rest, out var sourcePortText) || !NextField(ref rest, out var destinationPortText) || rest.Length != 0
            || !TryParseV1Address(sourceText, family, out var source) || !TryParseV1Address(destinationText, family, out var destination)
            || !TryParsePort(sourcePortText, out int sourcePort) || !TryParsePort(destinationPortText, out int destinationPort))
        {
            return Fail(ProxyHeaderError.Malformed, out error);
        }

        header = new ProxyHeader { Length = length, Version = 1, Source = new IPEndPoint(source, sourcePort), Destination = new IPEndPoint(destination, destinationPort) };
        return ProxyParseStatus.Complete;
    }

    /// <summary>Takes the text up to the next single space (or the end); an empty field (two spaces) fails.</summary>
    private static bool NextField(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> field)
    {
        int space = rest.IndexOf((byte)' ');
        field = space < 0 ? rest : rest[..space];
        rest = space < 0 ? [] : rest[(space + 1)..];
        return field.Length > 0 && (space < 0 || rest.Length > 0);
    }

    private static bool TryParseV1Address(ReadOnlySpan<byte> text, AddressFamily family, out IPAddress address)
    {
        address = IPAddress.None;
        // IPAddress.TryParse also takes shorthand like "1" or "0x7f.1"; the spec wants dotted quads and RFC 4291 text.
        bool shapeOk = family == AddressFamily.InterNetwork
            ? text.Length <= 15 && text.Count((byte)'.') == 3 && !text.ContainsAnyExcept("0123456789."u8)
            : text.Length <= 45 && text.Contains((byte)':') && !text.ContainsAnyExcept("0123456789abcdefABCDEF:."u8);
        if (!shapeOk)
        {
            return false;
        }
        Span<char> chars = stackalloc char[45];
        for (int i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }
        return IPAddress.TryParse(chars[..text.Length], out address!) && address.AddressFamily == family;
    }

    private static bool TryParsePort(ReadOnlySpan<byte> text, out int port)
    {
        port = 0;
        if (text.Length is 0 or > 5 || (text.Length > 1 && text[0] == (byte)'0'))
        {
            return false;
        }
        foreach (byte b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
            port = (port * 10) + (b - '0');
        }
        return port <= IPEndPoint.MaxPort;
    }

    private static ProxyParseStatus ParseV2(ReadOnlySpan<byte> head, long available, out ProxyHeader header, out ProxyHeaderError error)
    {
        header = default;
        error = ProxyHeaderError.None;
        if (head.Length < V2HeaderLength)
        {
            return ProxyParseStatus.Incomplete;
        }
        byte versionCommand = head[V2VersionCommandOffset];
        int command = versionCommand & 0x0F;
        if (versionCommand >> 4 != 2 || command > 1)
        {
            return Fail(ProxyHeaderError.Malformed, out error);
        }
        int addressLength = BinaryPrimitives.ReadUInt16BigEndian(head[V2LengthOffset..]);
        int length = V2HeaderLength + addressLength;
        byte family = head[V2FamilyOffset];
        int needed = (family >> 4) switch { 1 => V2Ipv4AddressLength, 2 => V2Ipv6AddressLength, 3 => 216, _ => 0 };
        if ((family >> 4) > 3 || (family & 0x0F) > 2 || (command == 1 && addressLength < needed))
        {
            return Fail(ProxyHeaderError.Malformed, out error);
        }
        if (available < length)
        {
            return ProxyParseStatus.Incomplete;
        }

        // LOCAL (health checks of the proxy itself), AF_UNSPEC, AF_UNIX or an unspecified transport: keep the socket's addresses.
        if (command == 0 || (family >> 4) is 0 or 3 || (family & 0x0F) == 0)
        {
            header = new ProxyHeader { Length = length, Version = 2 };
            return ProxyParseStatus.Complete;
        }

        ReadOnlySpan<byte> a = head[V2HeaderLength..];
        int size = (family >> 4) == 1 ? 4 : 16;
        var source = new IPAddress(a[..size]);
        var destination = new IPAddress(a[size..(2 * size)]);
        int sourcePort = BinaryPrimitives.ReadUInt16BigEndian(a[(2 * size)..]);
        int destinationPort = BinaryPrimitives.ReadUInt16BigEndian(a[((2 * size) + 2)..]);
        header = new ProxyHeader { Length = length, Version = 2, Source = new IPEndPoint(source, sourcePort), Destination = new IPEndPoint(destination, destinationPort) };
        return ProxyParseStatus.Complete;
    }
}
