using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace LoadBalancer.Modes.ProxyProtocol;

/// <summary>Writes the PROXY header a sender puts before its first byte to a backend (HAProxy's send-proxy / send-proxy-v2).</summary>
public static class ProxyHeaderWriter
{
    /// <summary>Room enough for any header this writer makes (v1 TCP6 is the longest, 104 bytes).</summary>
    public const int MaxLength = ProxyHeaderParser.V1MaxLength;

    /// <summary>Writes a PROXY header for a TCP connection from <paramref name="source"/> to <paramref name="destination"/>; addresses of two
    /// families (after IPv4-mapped IPv6 is unmapped) give v1 UNKNOWN / a v2 PROXY with AF_UNSPEC, which tell the receiver to keep the socket's addresses.</summary>
    /// <param name="version">1 or 2.</param>
    /// <returns>Bytes written to <paramref name="destinationBuffer"/> (at least <see cref="MaxLength"/> long).</returns>
    public static int Write(Span<byte> destinationBuffer, int version, IPEndPoint source, IPEndPoint destination)
    {
        var from = Unmap(source.Address);
        var to = Unmap(destination.Address);
        bool known = from.AddressFamily == to.AddressFamily && from.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;
        return version == 1 ? WriteV1(destinationBuffer, known, from, source.Port, to, destination.Port)
            : WriteV2(destinationBuffer, known, from, source.Port, to, destination.Port);
    }

    private static IPAddress Unmap(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    private static int WriteV1(Span<byte> buffer, bool known, IPAddress from, int fromPort, IPAddress to, int toPort)
    {
        if (!known)
        {
            "PROXY UNKNOWN\r\n"u8.CopyTo(buffer);
            return 15;
        }
        Span<char> text = stackalloc char[MaxLength];
        bool v4 = from.AddressFamily == AddressFamily.InterNetwork;
        int n = 0;
        bool ok = Append(text, ref n, v4 ? "PROXY TCP4 " : "PROXY TCP6 ")
            && from.TryFormat(text[n..], out int w1) && Advance(ref n, w1) && Append(text, ref n, " ")
            && to.TryFormat(text[n..], out int w2) && Advance(ref n, w2) && Append(text, ref n, " ")
            && fromPort.TryFormat(text[n..], out int w3, provider: System.Globalization.CultureInfo.InvariantCulture) && Advance(ref n, w3) && Append(text, ref n, " ")
            && toPort.TryFormat(text[n..], out int w4, provider: System.Globalization.CultureInfo.InvariantCulture) && Advance(ref n, w4) && Append(text, ref n, "\r\n");
        if (!ok)
        {
            throw new ArgumentException("buffer too small for a PROXY v1 header", nameof(buffer));
        }
        for (int i = 0; i < n; i++)
        {
            buffer[i] = (byte)text[i];
        }
        return n;
    }

    private static bool Append(Span<char> text, ref int n, string s)
    {
        if (!s.AsSpan().TryCopyTo(text[n..]))
        {
            return false;
        }
        n += s.Length;
        return true;
    }

    private static bool Advance(ref int n, int written)
    {
        n += written;
        return true;
    }

    private static int WriteV2(Span<byte> buffer, bool known, IPAddress from, int fromPort, IPAddress to, int toPort)
    {
        ProxyHeaderParser.V2Signature.CopyTo(buffer);
        buffer[12] = 0x21; // version 2, PROXY
        if (!known)
        {
            buffer[13] = 0x00;
            BinaryPrimitives.WriteUInt16BigEndian(buffer[14..], 0);
            return 16;
        }
        bool v4 = from.AddressFamily == AddressFamily.InterNetwork;
        int size = v4 ? 4 : 16;
        buffer[13] = v4 ? (byte)0x11 : (byte)0x21; // AF_INET or AF_INET6, STREAM
        BinaryPrimitives.WriteUInt16BigEndian(buffer[14..], (ushort)((2 * size) + 4));
        Span<byte> a = buffer[16..];
        from.TryWriteBytes(a, out _);
        to.TryWriteBytes(a[size..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(a[(2 * size)..], (ushort)fromPort);
        BinaryPrimitives.WriteUInt16BigEndian(a[((2 * size) + 2)..], (ushort)toPort);
        return 16 + (2 * size) + 4;
    }
}
