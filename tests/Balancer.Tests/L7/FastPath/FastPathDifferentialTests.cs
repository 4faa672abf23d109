using System.Net.Http.Headers;
using System.Text;
using CsCheck;

namespace LoadBalancer.Balancer.Tests.L7.FastPath;

/// <summary>
/// The fast path against YARP on generated exchanges: two fronts, one with the fast path and one without, before the
/// same recording backend. The backend must receive the same request from both, and the client the same response.
/// </summary>
public sealed class FastPathDifferentialTests
{
    private sealed record Case(string Method, string Target, (string Name, string Value)[] Headers, byte[]? Body,
        int Status, bool Chunked, string ResponseBody);

    private static readonly Gen<string> Segment = Gen.String[Gen.Char["abcXYZ019-_~"], 1, 8];
    private static readonly Gen<string> Query = Gen.String[Gen.Char["abz09=&+%2F"], 0, 12];
    private static readonly Gen<(string, string)> Header = Gen.Select(
        Gen.OneOf("X-A", "X-Trace-Id", "Accept-Language", "Cookie", "Cache-Control", "X-Forwarded-For", "X-Forwarded-Host", "Authorization"),
        Gen.String[Gen.Char["abcXYZ 019;=,/:"], 1, 20].Select(v => v.Trim()).Where(v => v.Length > 0));

    private static readonly Gen<Case> Cases =
        from method in Gen.OneOf("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH")
        from segments in Segment.Array[1, 3]
        from query in Query
        from headers in Header.Array[0, 4]
        from body in Gen.Byte[32, 126].Array[0, 3000]
        from status in Gen.OneOf(200, 201, 404, 500, 503)
        from chunked in Gen.Bool
        from responseBody in Gen.String[Gen.Char["abcdefghij0123456789 \n"], 0, 4000]
        select new Case(method, "/" + string.Join('/', segments) + (query.Length > 0 ? "?" + query : ""),
            headers.DistinctBy(h => h.Item1).ToArray(), method is "POST" or "PUT" or "PATCH" ? body : null, status, chunked, responseBody);

    [Fact]
    public async Task GeneratedExchanges_SameRequestAtTheBackend_SameResponseAtTheClient()
    {
        await using var backend = new ScriptedBackend();
        await using var fast = await FastPathTests.StartFrontAsync(backend.Url, fastPath: true);
        await using var yarp = await FastPathTests.StartFrontAsync(backend.Url, fastPath: false);
        var count = 0;

        await Cases.SampleAsync(async c =>
        {
            backend.Respond = _ => (Response(c), false);
            var viaFast = await ExchangeAsync(fast, backend, c);
            var viaYarp = await ExchangeAsync(yarp, backend, c);

            Assert.Equal(viaYarp.Request, viaFast.Request);
            Assert.True(viaYarp.Response == viaFast.Response, $"YARP:\n{viaYarp.Response}\n---- fast path:\n{viaFast.Response}");
            count++;
        }, iter: 40, threads: 1);

        Assert.Equal(40 * 2, backend.Received.Count);
        Assert.Equal(count, await FastPathTests.MetricAsync(fast, "lb_http_fast_path_requests_total{result=\"forwarded\"}"));
    }

    private static byte[] Response(Case c)
    {
        var body = c.Status == 204 ? "" : c.ResponseBody;
        var framing = c.Chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {body.Length}\r\n";
        var encoded = c.Chunked ? (body.Length > 0 ? $"{body.Length:x}\r\n{body}\r\n" : "") + "0\r\n\r\n" : body;
        if (c.Method == "HEAD")
        {
            encoded = "";
        }
        return Encoding.ASCII.GetBytes($"HTTP/1.1 {c.Status} Whatever\r\nX-R: r\r\nCache-Control: no-store\r\n{framing}\r\n{encoded}");
    }

    /// <summary>What the backend saw (the front's own address written as FRONT) and what the client got (without Date).</summary>
    private static async Task<(string Request, string Response)> ExchangeAsync(TestSupport.BalancerFixture front, ScriptedBackend backend, Case c)
    {
        var before = backend.Received.Count;
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), front.Front + c.Target);
        foreach (var (name, value) in c.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        if (c.Body is not null)
        {
            request.Content = new ByteArrayContent(c.Body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        }
        using var response = await front.Client.SendAsync(request);
        var responseBody = await response.Content.ReadAsStringAsync();
        // A HEAD response's Transfer-Encoding says how a GET's body would come: the fast path passes the backend's on,
        // Kestrel (under YARP) frames its own responses and leaves it out. Both are allowed (RFC 9112 6.1).
        var headers = response.Headers.Concat(response.Content.Headers).Where(h => h.Key != "Date" && !(c.Method == "HEAD" && h.Key == "Transfer-Encoding"))
            .Select(h => $"{h.Key.ToLowerInvariant()}: {string.Join(",", h.Value)}").Order();
        Assert.Equal(before + 1, backend.Received.Count);
        var seen = backend.Received.Last();
        var authority = new Uri(front.Front).Authority;
        var seenHeaders = seen.Headers.Select(h => $"{h.Name}: {h.Value.Replace(authority, "FRONT")}");
        return ($"{seen.RequestLine}\n{string.Join("\n", seenHeaders)}\n\n{Encoding.ASCII.GetString(seen.Body)}",
            $"{(int)response.StatusCode}\n{string.Join("\n", headers)}\n\n{responseBody}");
    }
}
