using System.Text;

namespace LoadBalancer.Balancer.L7.FastPath;

/// <summary>How a response body ends.</summary>
internal enum BodyFraming
{
    None,
    ContentLength,
    Chunked,
    /// <summary>Until the backend closes the connection (no Content-Length, no chunked).</summary>
    UntilClose,
}

/// <summary>
/// A backend's HTTP/1.x response head: the status, how its body ends, whether the backend connection can be reused, and
/// which headers are hop-by-hop (not forwarded). A head that breaks the framing rules (two different Content-Lengths,
/// a bad length) is rejected: the request fails with 502 and the backend connection is closed.
/// </summary>
internal sealed class Http1ResponseHead
{
    public const int MaxHeaders = 128;

    public readonly HeaderSpan[] Headers = new HeaderSpan[MaxHeaders];
    public readonly bool[] Drop = new bool[MaxHeaders];
    private readonly bool[] _isLength = new bool[MaxHeaders];
    public int HeaderCount;
    public int Status;
    /// <summary>Offset of the status code in the head (the status line is forwarded from there, as HTTP/1.1).</summary>
    public int StatusStart;
    public int StatusLineLength;
    public long ContentLength;
    public BodyFraming Framing;
    /// <summary>The backend connection can carry another request after this response.</summary>
    public bool Reusable;

    /// <summary>Parses a complete head; <paramref name="head"/> = the request was HEAD (no body whatever the headers say).</summary>
    public bool TryParse(ReadOnlySpan<byte> data, bool head)
    {
        HeaderCount = 0;
        ContentLength = -1;
        var lineEnd = data.IndexOf("\r\n"u8);
        if (lineEnd < 12 || !data.StartsWith("HTTP/1."u8) || data[7] is not ((byte)'0' or (byte)'1') || data[8] != (byte)' '
            || !int.TryParse(data.Slice(9, 3), System.Globalization.NumberStyles.None, null, out Status) || Status < 100
            || (lineEnd > 12 && data[12] != (byte)' '))
        {
            return false;
        }
        StatusStart = 9;
        StatusLineLength = lineEnd;
        Reusable = data[7] == (byte)'1';
        var chunked = false;
        var otherCoding = false;
        var pos = lineEnd + 2;
        while (pos < data.Length - 2)
        {
            var end = data[pos..].IndexOf("\r\n"u8);
            if (end <= 0 || HeaderCount == MaxHeaders || !TryParseHeader(data, pos, end, ref chunked, ref otherCoding))
            {
                return false;
            }
            pos += end + 2;
        }
        if (head || Status is < 200 or 204 or 304)
        {
            Framing = BodyFraming.None;
        }
        else if (otherCoding)
        {
            // A coding the fast path does not frame (or chunked not last): read until close, keep nothing.
            Framing = BodyFraming.UntilClose;
            Reusable = false;
        }
        else if (chunked)
        {
            Framing = BodyFraming.Chunked;
            if (ContentLength >= 0)
            {
                // Both: chunked wins (RFC 9112 6.3), and the connection is not trusted again.
                DropContentLength();
                ContentLength = -1;
                Reusable = false;
            }
        }
        else if (ContentLength >= 0)
        {
            Framing = ContentLength == 0 ? BodyFraming.None : BodyFraming.ContentLength;
        }
        else
        {
            Framing = BodyFraming.UntilClose;
            Reusable = false;
        }
        return true;
    }

    private bool TryParseHeader(ReadOnlySpan<byte> data, int pos, int length, ref bool chunked, ref bool otherCoding)
    {
        if (!HeaderSpan.TryParse(data, pos, length, out var header) || data[pos] is (byte)' ' or (byte)'\t')
        {
            return false;
        }
        var name = header.Name(data);
        var value = header.Value(data);
        var drop = false;
        _isLength[HeaderCount] = false;
        if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
        {
            if (!Http1RequestHead.TryParseLength(value, out var contentLength) || (ContentLength >= 0 && ContentLength != contentLength))
            {
                return false;
            }
            ContentLength = contentLength;
            _isLength[HeaderCount] = true;
        }
        else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
        {
            chunked = Ascii.EqualsIgnoreCase(value, "chunked"u8);
            otherCoding |= !chunked;
        }
        else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
        {
            drop = true;
            if (HasToken(value, "close"u8))
            {
                Reusable = false;
            }
            else if (data[7] == (byte)'0' && Ascii.EqualsIgnoreCase(value, "keep-alive"u8))
            {
                Reusable = true;
            }
        }
        else
        {
            drop = Ascii.EqualsIgnoreCase(name, "keep-alive"u8) || Ascii.EqualsIgnoreCase(name, "proxy-connection"u8) || Ascii.EqualsIgnoreCase(name, "upgrade"u8);
        }
        Headers[HeaderCount] = header;
        Drop[HeaderCount] = drop;
        HeaderCount++;
        return true;
    }

    private void DropContentLength()
    {
        for (var i = 0; i < HeaderCount; i++)
        {
            Drop[i] |= _isLength[i];
        }
    }

    private static bool HasToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(value[range].Trim((byte)' '), token))
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>
/// Follows a chunked body as it is copied through unchanged: sizes, extensions, data, the last chunk and trailers.
/// Only finding the end is its job; a malformed frame is an error (the exchange fails and both connections close).
/// </summary>
internal struct ChunkedScanner
{
    private enum State { Size, Extension, SizeLf, Data, DataCr, DataLf, TrailerStart, Trailer, TrailerLf, EndLf, Done }

    private State _state;
    private long _remaining;
    private int _sizeDigits;

    public readonly bool Done => _state == State.Done;

    /// <summary>Bytes of chunk data seen so far (the body without its framing).</summary>
    public long DataBytes { readonly get; private set; }

    public void Reset() => this = default;

    /// <summary>Scans <paramref name="data"/>; returns the bytes that belong to the body (all of them, or up to its end), or -1 if malformed.</summary>
    public int Scan(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length && _state != State.Done)
        {
            if (_state == State.Data)
            {
                var take = (int)Math.Min(_remaining, data.Length - i);
                i += take;
                _remaining -= take;
                DataBytes += take;
                if (_remaining == 0)
                {
                    _state = State.DataCr;
                }
                continue;
            }
            if (!Step(data[i]))
            {
                return -1;
            }
            i++;
        }
        return i;
    }

    private bool Step(byte b)
    {
        switch (_state)
        {
            case State.Size:
                var digit = HexValue(b);
                if (digit >= 0 && _sizeDigits < 15)
                {
                    _remaining = (_remaining << 4) | (uint)digit;
                    _sizeDigits++;
                    return true;
                }
                if (_sizeDigits == 0)
                {
                    return false;
                }
                _state = b == (byte)'\r' ? State.SizeLf : b is (byte)';' or (byte)' ' or (byte)'\t' ? State.Extension : State.Size;
                return _state != State.Size;
            case State.Extension:
                if (b == (byte)'\r')
                {
                    _state = State.SizeLf;
                }
                return b != (byte)'\n';
            case State.SizeLf:
                if (b != (byte)'\n')
                {
                    return false;
                }
                _sizeDigits = 0;
                _state = _remaining == 0 ? State.TrailerStart : State.Data;
                return true;
            case State.DataCr:
                _state = State.DataLf;
                return b == (byte)'\r';
            case State.DataLf:
                _state = State.Size;
                return b == (byte)'\n';
            case State.TrailerStart:
                _state = b == (byte)'\r' ? State.EndLf : State.Trailer;
                return b != (byte)'\n';
            case State.Trailer:
                if (b == (byte)'\r')
                {
                    _state = State.TrailerLf;
                }
                return b != (byte)'\n';
            case State.TrailerLf:
                _state = State.TrailerStart;
                return b == (byte)'\n';
            case State.EndLf:
                _state = State.Done;
                return b == (byte)'\n';
            default:
                return false;
        }
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
