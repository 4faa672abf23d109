using LoadBalancer.Balancer.L7.FastPath;

namespace LoadBalancer.Balancer.Tests.Fuzz;

/// <summary>
/// The `http1` fuzz target: the L7 fast path's parsers on untrusted bytes. The input is read as a request head, as a
/// response head (to a HEAD request when the first byte is odd) and as a chunked body, whole and split in two at a point
/// the first byte picks. A crash is any exception, a parsed span outside the head, framing that contradicts itself, or
/// a chunked scan whose result depends on how the bytes were split.
/// </summary>
internal static class Http1Harness
{
    public static string Run(ReadOnlySpan<byte> data)
    {
        var end = Http1RequestHead.FindEnd(data);
        var outcome = end < 0 ? "incomplete" : $"request-{Request(data[..end])} response-{Response(data[..end], data[0] % 2 == 1)}";
        return $"{outcome} chunked-{Chunked(data)}";
    }

    private static string Request(ReadOnlySpan<byte> head)
    {
        var r = new Http1RequestHead();
        if (!r.TryParse(head))
        {
            return "handover";
        }
        Check(r.Length == head.Length && r.MethodLength > 0 && r.TargetStart == r.MethodLength + 1, "request line");
        Check(r.TargetLength > 0 && r.TargetStart + r.TargetLength <= head.Length && r.PathLength <= r.TargetLength, "target");
        Check(r.Host >= 0 && r.Host < r.HeaderCount && r.ContentLength >= -1, "host or length");
        for (var i = 0; i < r.HeaderCount; i++)
        {
            var h = r.Headers[i];
            Check(h.NameLength > 0 && h.NameStart + h.NameLength < h.ValueStart && h.ValueStart + h.ValueLength <= head.Length, "header span");
            Check(head.Slice(h.NameStart, h.NameLength).IndexOf((byte)':') < 0, "colon in a header name");
        }
        return r.ContentLength > 0 ? "body" : "forward";
    }

    private static string Response(ReadOnlySpan<byte> head, bool toHead)
    {
        var r = new Http1ResponseHead();
        if (!r.TryParse(head, toHead))
        {
            return "rejected";
        }
        Check(r.Status is >= 100 and <= 999 && r.StatusLineLength <= head.Length, "status line");
        Check(r.Framing != BodyFraming.ContentLength || r.ContentLength > 0, "length framing without a length");
        Check(r.Framing != BodyFraming.Chunked || r.ContentLength == -1, "chunked with a length");
        Check(r.Framing != BodyFraming.UntilClose || !r.Reusable, "reusable until-close body");
        Check(!toHead || r.Framing == BodyFraming.None, "a body after HEAD");
        for (var i = 0; i < r.HeaderCount; i++)
        {
            var h = r.Headers[i];
            Check(h.NameStart + h.NameLength < h.ValueStart && h.ValueStart + h.ValueLength <= head.Length, "header span");
        }
        return r.Framing.ToString();
    }

    private static string Chunked(ReadOnlySpan<byte> data)
    {
        var whole = new ChunkedScanner();
        var all = whole.Scan(data);
        Check(all >= -1 && all <= data.Length && (all < 0 || whole.Done || all == data.Length), "whole scan");
        var split = data.IsEmpty ? 0 : data[0] % (data.Length + 1);
        var parts = new ChunkedScanner();
        var first = parts.Scan(data[..split]);
        var total = first < 0 ? -1 : parts.Done ? first : parts.Scan(data[split..]) is var second && second < 0 ? -1 : first + second;
        Check(total == all && (all < 0 || (parts.Done == whole.Done && parts.DataBytes == whole.DataBytes)), "split scan differs");
        return all < 0 ? "malformed" : whole.Done ? "done" : "partial";
    }

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException("http1 invariant broken: " + what);
        }
    }
}
