using System.Text;

namespace LoadBalancer.Balancer.L7.FastPath;

/// <summary>One header of a parsed head: offsets into the head's bytes.</summary>
internal readonly record struct HeaderSpan(int NameStart, int NameLength, int ValueStart, int ValueLength)
{
    /// <summary>The header line of <paramref name="length"/> bytes at <paramref name="start"/>: its name and its value without the optional whitespace around it; false when no name comes before a colon.</summary>
    public static bool TryParse(ReadOnlySpan<byte> head, int start, int length, out HeaderSpan header)
    {
        var line = head.Slice(start, length);
        var colon = line.IndexOf((byte)':');
        var valueStart = colon + 1;
        var valueEnd = line.Length;
        while (valueStart < valueEnd && line[valueStart] is (byte)' ' or (byte)'\t') valueStart++;
        while (valueEnd > valueStart && line[valueEnd - 1] is (byte)' ' or (byte)'\t') valueEnd--;
        header = new HeaderSpan(start, colon, start + valueStart, valueEnd - valueStart);
        return colon > 0;
    }

    public ReadOnlySpan<byte> Name(ReadOnlySpan<byte> head) => head.Slice(NameStart, NameLength);

    public ReadOnlySpan<byte> Value(ReadOnlySpan<byte> head) => head.Slice(ValueStart, ValueLength);
}

/// <summary>What the forwarder does with a client header.</summary>
internal enum RequestHeaderKind
{
    /// <summary>Copied to the backend as it came.</summary>
    Forward,
    /// <summary>Replaced: Host, X-Forwarded-*.</summary>
    Replace,
    /// <summary>Hop-by-hop, not forwarded: Connection, Keep-Alive.</summary>
    Drop,
}

/// <summary>
/// A parsed HTTP/1.1 request head, as strict as the fast path needs: anything it does not fully understand (another
/// version, an absolute or encoded target, a body that is not Content-Length framed, Expect, Upgrade, TE, folded or
/// non-ASCII headers, ...) is left to Kestrel and YARP, which answer it by the book. Reused per connection; no allocation.
/// </summary>
internal sealed class Http1RequestHead
{
    /// <summary>More headers than this and the request goes to Kestrel.</summary>
    public const int MaxHeaders = 64;

    public readonly HeaderSpan[] Headers = new HeaderSpan[MaxHeaders];
    public readonly RequestHeaderKind[] Kinds = new RequestHeaderKind[MaxHeaders];
    public int HeaderCount;
    /// <summary>Bytes of the head, with its closing blank line.</summary>
    public int Length;
    public int MethodLength;
    public int TargetStart;
    public int TargetLength;
    /// <summary>Length of the target's path (before any '?').</summary>
    public int PathLength;
    /// <summary>-1 when the request has no Content-Length (no body).</summary>
    public long ContentLength;
    /// <summary>The client asked to close the connection after this request.</summary>
    public bool Close;
    /// <summary>Index of the Host header.</summary>
    public int Host;

    /// <summary>The end of the head (after CRLF CRLF) in <paramref name="data"/>, or -1.</summary>
    public static int FindEnd(ReadOnlySpan<byte> data)
    {
        var i = data.IndexOf("\r\n\r\n"u8);
        return i < 0 ? -1 : i + 4;
    }

    /// <summary>Parses a complete head (ending in CRLF CRLF); false means: not for the fast path.</summary>
    public bool TryParse(ReadOnlySpan<byte> head)
    {
        Length = head.Length;
        HeaderCount = 0;
        ContentLength = -1;
        Close = false;
        Host = -1;
        var lineEnd = head.IndexOf("\r\n"u8);
        if (lineEnd < 0 || !TryParseRequestLine(head[..lineEnd]))
        {
            return false;
        }
        var pos = lineEnd + 2;
        while (pos < head.Length - 2)
        {
            var end = head[pos..].IndexOf("\r\n"u8);
            if (end <= 0 || HeaderCount == MaxHeaders || !TryParseHeader(head, pos, end))
            {
                return false;
            }
            pos += end + 2;
        }
        return Host >= 0;
    }

    private bool TryParseRequestLine(ReadOnlySpan<byte> line)
    {
        var sp = line.IndexOf((byte)' ');
        // Kestrel's MaxRequestLineSize: a longer line goes to Kestrel, which answers 414.
        if (sp <= 0 || line.Length > 8190 || !line.EndsWith(" HTTP/1.1"u8))
        {
            return false;
        }
        foreach (var b in line[..sp])
        {
            if (b is < (byte)'A' or > (byte)'Z')
            {
                return false;
            }
        }
        if (line[..sp].SequenceEqual("CONNECT"u8))
        {
            return false;
        }
        MethodLength = sp;
        TargetStart = sp + 1;
        TargetLength = line.Length - 9 - TargetStart;
        if (TargetLength <= 0 || line[TargetStart] != (byte)'/')
        {
            return false;
        }
        var target = line.Slice(TargetStart, TargetLength);
        var q = target.IndexOf((byte)'?');
        PathLength = q < 0 ? target.Length : q;
        return IsPlainPath(target[..PathLength]) && (q < 0 || IsQuery(target[(q + 1)..]));
    }

    /// <summary>Paths routing would decode or normalize (percent-escapes, dot segments, empty segments) go to Kestrel.</summary>
    private static bool IsPlainPath(ReadOnlySpan<byte> path)
    {
        for (var i = 0; i < path.Length; i++)
        {
            var b = path[i];
            var ok = b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
                or (byte)'-' or (byte)'_' or (byte)'~' or (byte)'!' or (byte)'$' or (byte)'&' or (byte)'\'' or (byte)'(' or (byte)')'
                or (byte)'*' or (byte)'+' or (byte)',' or (byte)';' or (byte)'=' or (byte)':' or (byte)'@' or (byte)'/' or (byte)'.';
            if (!ok || (b == (byte)'/' && i > 0 && path[i - 1] is (byte)'/' or (byte)'.') || (b == (byte)'.' && path[i - 1] == (byte)'/'))
            {
                return false;
            }
        }
        return path[^1] != (byte)'.';
    }

    private static bool IsQuery(ReadOnlySpan<byte> query)
    {
        foreach (var b in query)
        {
            if (b is < 0x21 or > 0x7E or (byte)'#')
            {
                return false;
            }
        }
        return true;
    }

    private bool TryParseHeader(ReadOnlySpan<byte> head, int start, int length)
    {
        if (!HeaderSpan.TryParse(head, start, length, out var header))
        {
            return false;
        }
        var name = header.Name(head);
        foreach (var b in name)
        {
            // Token characters only: no spaces before the colon, no folded lines.
            if (b is <= 0x20 or >= 0x7F or (byte)'(' or (byte)')' or (byte)',' or (byte)'/' or (byte)';' or (byte)'<' or (byte)'='
                or (byte)'>' or (byte)'?' or (byte)'@' or (byte)'[' or (byte)'\\' or (byte)']' or (byte)'{' or (byte)'}' or (byte)'"')
            {
                return false;
            }
        }
        var value = header.Value(head);
        foreach (var b in value)
        {
            if (b is (< 0x20 and not (byte)'\t') or >= 0x7F)
            {
                return false;
            }
        }
        var kind = Classify(name, value);
        if (kind is null)
        {
            return false;
        }
        Headers[HeaderCount] = header;
        Kinds[HeaderCount] = kind.Value;
        HeaderCount++;
        return true;
    }

    /// <summary>What to do with one header; null: the request is not for the fast path.</summary>
    private RequestHeaderKind? Classify(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        switch (name.Length)
        {
            case 4 when Ascii.EqualsIgnoreCase(name, "host"u8):
                if (Host >= 0 || value.IsEmpty)
                {
                    return null;
                }
                Host = HeaderCount;
                return RequestHeaderKind.Replace;
            case 10 when Ascii.EqualsIgnoreCase(name, "connection"u8):
                return ParseConnection(value) ? RequestHeaderKind.Drop : null;
            case 10 when Ascii.EqualsIgnoreCase(name, "keep-alive"u8):
                return RequestHeaderKind.Drop;
            case 14 when Ascii.EqualsIgnoreCase(name, "content-length"u8):
                if (ContentLength >= 0 || !TryParseLength(value, out ContentLength))
                {
                    return null;
                }
                return RequestHeaderKind.Forward;
            case 2 when Ascii.EqualsIgnoreCase(name, "te"u8):
                return null;
            case 6 when Ascii.EqualsIgnoreCase(name, "expect"u8):
                return null;
            case 7 when Ascii.EqualsIgnoreCase(name, "upgrade"u8) || Ascii.EqualsIgnoreCase(name, "trailer"u8):
                return null;
            case 17 when Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8):
                return null;
            case 14 when Ascii.EqualsIgnoreCase(name, "http2-settings"u8):
                return null;
        }
        if (name.Length > 6 && Ascii.EqualsIgnoreCase(name[..6], "proxy-"u8))
        {
            return null;
        }
        return name.Length > 12 && Ascii.EqualsIgnoreCase(name[..12], "x-forwarded-"u8) ? RequestHeaderKind.Replace : RequestHeaderKind.Forward;
    }

    private bool ParseConnection(ReadOnlySpan<byte> value)
    {
        foreach (var range in value.Split((byte)','))
        {
            var token = value[range].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(token, "close"u8))
            {
                Close = true;
            }
            else if (!Ascii.EqualsIgnoreCase(token, "keep-alive"u8))
            {
                // A token naming other headers as hop-by-hop: left to YARP, which removes them.
                return false;
            }
        }
        return true;
    }

    /// <summary>Decimal digits only, at most 18 of them.</summary>
    public static bool TryParseLength(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        if (value.IsEmpty || value.Length > 18)
        {
            return false;
        }
        foreach (var b in value)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
            length = length * 10 + (b - '0');
        }
        return true;
    }
}
