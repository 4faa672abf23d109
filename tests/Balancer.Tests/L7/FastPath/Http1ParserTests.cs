using System.Text;
using CsCheck;
using LoadBalancer.Balancer.L7.FastPath;

namespace LoadBalancer.Balancer.Tests.L7.FastPath;

/// <summary>The fast path's HTTP/1.1 parsers: what they take, what they leave to Kestrel and YARP, and how bodies end.</summary>
public sealed class Http1ParserTests
{
    private static Http1RequestHead Request(string head)
    {
        var r = new Http1RequestHead();
        var bytes = Encoding.Latin1.GetBytes(head);
        Assert.Equal(bytes.Length, Http1RequestHead.FindEnd(bytes));
        r.TryParse(bytes);
        return r;
    }

    private static bool Takes(string head)
    {
        var bytes = Encoding.Latin1.GetBytes(head);
        return new Http1RequestHead().TryParse(bytes);
    }

    [Fact]
    public void Request_PlainGet_ParsedWithEachHeadersFate()
    {
        const string head = "GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: example.com:8080\r\nAccept:  */* \r\nX-Forwarded-For: 1.2.3.4\r\n"
            + "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n";
        var bytes = Encoding.Latin1.GetBytes(head);
        var r = new Http1RequestHead();

        Assert.True(r.TryParse(bytes));

        Assert.Equal("GET", head[..r.MethodLength]);
        Assert.Equal("/a/b?x=1&y=%20", head.Substring(r.TargetStart, r.TargetLength));
        Assert.Equal("/a/b", head.Substring(r.TargetStart, r.PathLength));
        Assert.Equal(0, r.ContentLength);
        Assert.False(r.Close);
        var fates = Enumerable.Range(0, r.HeaderCount).Select(i =>
            (head.Substring(r.Headers[i].NameStart, r.Headers[i].NameLength), head.Substring(r.Headers[i].ValueStart, r.Headers[i].ValueLength), r.Kinds[i])).ToList();
        Assert.Equal(
        [
            ("Host", "example.com:8080", RequestHeaderKind.Replace),
            ("Accept", "*/*", RequestHeaderKind.Forward),
            ("X-Forwarded-For", "1.2.3.4", RequestHeaderKind.Replace),
            ("Connection", "keep-alive", RequestHeaderKind.Drop),
            ("Keep-Alive", "timeout=5", RequestHeaderKind.Drop),
            ("Content-Length", "0", RequestHeaderKind.Forward),
        ], fates);
        Assert.Equal(0, r.Host);
    }

    [Fact]
    public void Request_ConnectionClose_IsNoted()
    {
        Assert.True(Request("DELETE /x HTTP/1.1\r\nhost: h\r\nconnection: Keep-Alive, CLOSE\r\n\r\n").Close);
    }

    [Theory]
    [InlineData("GET / HTTP/1.0\r\nHost: h\r\n\r\n")]                                   // HTTP/1.0
    [InlineData("GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n")]                            // absolute form
    [InlineData("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n")]                                // asterisk form
    [InlineData("CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n")]
    [InlineData("get / HTTP/1.1\r\nHost: h\r\n\r\n")]                                    // not an upper-case method
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]                                     // h2c prior knowledge
    [InlineData("GET /a%2Fb HTTP/1.1\r\nHost: h\r\n\r\n")]                               // percent-encoded path
    [InlineData("GET /a/../b HTTP/1.1\r\nHost: h\r\n\r\n")]                              // dot segments
    [InlineData("GET /a/./b HTTP/1.1\r\nHost: h\r\n\r\n")]
    [InlineData("GET /a//b HTTP/1.1\r\nHost: h\r\n\r\n")]                                // empty segment
    [InlineData("GET /a?b#c HTTP/1.1\r\nHost: h\r\n\r\n")]                               // fragment
    [InlineData("GET / HTTP/1.1\r\n\r\n")]                                               // no Host
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")]                         // two Hosts
    [InlineData("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1234567890123456789\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nTE: trailers\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nConnection: close, X-Secret\r\n\r\n")]   // a header named hop-by-hop
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nProxy-Authorization: Basic x\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n folded\r\n\r\n")]              // obsolete line folding
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nX-A : 1\r\n\r\n")]                         // space before the colon
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nX-A: caf\u00e9\r\n\r\n")]                  // non-ASCII value
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\nX-B: 2\r\n\r\n")]                  // bare LF
    public void Request_AnythingUnusual_IsLeftToKestrel(string head)
    {
        Assert.False(Takes(head));
    }

    [Fact]
    public void Request_TooManyHeaders_IsLeftToKestrel()
    {
        var headers = string.Concat(Enumerable.Range(0, Http1RequestHead.MaxHeaders).Select(i => $"X-{i}: v\r\n"));
        Assert.True(Takes($"GET / HTTP/1.1\r\n{headers[..^("X-63: v\r\n".Length)]}Host: h\r\n\r\n"));
        Assert.False(Takes($"GET / HTTP/1.1\r\nHost: h\r\n{headers}\r\n"));
    }

    private static Http1ResponseHead Response(string head, bool isHead = false, bool ok = true)
    {
        var r = new Http1ResponseHead();
        Assert.Equal(ok, r.TryParse(Encoding.Latin1.GetBytes(head), isHead));
        return r;
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false, "ContentLength", 5, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, "None", 0, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true, "None", 5, true)]             // HEAD
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n", false, "None", -1, true)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", false, "None", 9, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, "Chunked", -1, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", false, "UntilClose", -1, false)]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", false, "UntilClose", -1, false)]                        // until close
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: Close\r\n\r\n", false, "ContentLength", 5, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n", false, "ContentLength", 5, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n", false, "ContentLength", 5, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", false, "ContentLength", 5, true)]
    public void Response_Framing(string head, bool isHead, string framing, long length, bool reusable)
    {
        var r = Response(head, isHead);

        Assert.Equal(framing, r.Framing.ToString());
        Assert.Equal(length, r.ContentLength);
        Assert.Equal(reusable, r.Reusable);
    }

    [Fact]
    public void Response_ChunkedAndLength_ChunkedWinsAndLengthIsDropped()
    {
        const string head = "HTTP/1.1 200 OK\r\nAccept-Charset: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
        var r = Response(head);

        Assert.Equal(BodyFraming.Chunked, r.Framing);
        Assert.False(r.Reusable);
        Assert.Equal([false, true, false], r.Drop.Take(r.HeaderCount));
    }

    [Fact]
    public void Response_HopByHopHeaders_AreDropped()
    {
        const string head = "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-A: 1\r\nProxy-Connection: x\r\nContent-Length: 1\r\n\r\n";
        var r = Response(head);

        Assert.Equal([true, true, false, true, false], r.Drop.Take(r.HeaderCount));
        Assert.Equal(200, r.Status);
        Assert.Equal("200 OK", head[r.StatusStart..r.StatusLineLength]);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")]   // conflicting lengths
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 099 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n folded\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n")]
    public void Response_Malformed_IsRejected(string head)
    {
        Response(head, ok: false);
    }

    /// <summary>A chunked body of random chunks, extensions and trailers, in random pieces, followed by the next response.</summary>
    [Fact]
    public void Chunked_AnyEncodingInAnyPieces_EndsExactlyAtItsEnd()
    {
        var chunk = Gen.Select(Gen.Int[1, 300], Gen.Bool, Gen.Bool, (size, ext, upper) => (size, ext, upper));
        Gen.Select(chunk.Array[0, 6], Gen.Int[0, 2], Gen.Int[1, 50]).Sample((chunks, trailers, piece) =>
        {
            var body = new StringBuilder();
            foreach (var (size, ext, upper) in chunks)
            {
                body.Append(upper ? size.ToString("X") : size.ToString("x")).Append(ext ? ";name=\"v\"" : "").Append("\r\n")
                    .Append(new string('d', size)).Append("\r\n");
            }
            body.Append("0\r\n");
            for (var t = 0; t < trailers; t++)
            {
                body.Append($"X-T{t}: v\r\n");
            }
            body.Append("\r\n");
            var encoded = Encoding.ASCII.GetBytes(body.ToString());
            var stream = encoded.Concat("HTTP/1.1 200 OK\r\n"u8.ToArray()).ToArray();
            var scanner = new ChunkedScanner();
            var total = 0;
            for (var at = 0; at < stream.Length && !scanner.Done; at += piece)
            {
                var part = stream.AsSpan(at, Math.Min(piece, stream.Length - at));
                var used = scanner.Scan(part);
                Assert.True(used >= 0);
                total += used;
                Assert.True(scanner.Done || used == part.Length);
            }
            Assert.True(scanner.Done);
            Assert.Equal(encoded.Length, total);
            Assert.Equal(chunks.Sum(c => c.size), scanner.DataBytes);
        });
    }

    [Theory]
    [InlineData("x\r\n")]                    // no size
    [InlineData("5\r\nabcdeX\r\n")]          // data not followed by CRLF
    [InlineData("5\nabcde\r\n")]             // bare LF after the size
    [InlineData("fffffffffffffffff\r\n")]    // 17 hex digits
    [InlineData("0\r\nX-T: 1\n\r\n")]        // bare LF in a trailer
    public void Chunked_Malformed_IsAnError(string body)
    {
        var scanner = new ChunkedScanner();
        Assert.Equal(-1, scanner.Scan(Encoding.ASCII.GetBytes(body)));
    }
}
