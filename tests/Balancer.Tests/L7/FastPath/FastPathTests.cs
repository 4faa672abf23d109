using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.L7.FastPath;

/// <summary>The HTTP/1.1 fast path end to end: the real balancer, a raw-socket backend that records what it receives, raw and HttpClient clients.</summary>
public sealed partial class FastPathTests
{
    internal static Task<BalancerFixture> StartFrontAsync(string backendUrl, bool fastPath = true, Action<JsonObject>? shape = null, bool ownSockets = true) =>
        BalancerFixture.StartAsync(0, (c, _, _) =>
        {
            ConfigJson.Cluster(c)["Destinations"] = new JsonObject { ["s"] = new JsonObject { ["Address"] = backendUrl } };
            c["Balancer"]!["Tuning"] = new JsonObject { ["Http1FastPath"] = fastPath, ["Http1FastPathOwnSockets"] = ownSockets };
            shape?.Invoke(c);
        });

    internal static async Task<double> MetricAsync(BalancerFixture f, string series)
    {
        // Settled: a request is counted after its client has the response.
        var text = await f.SettledMetricsAsync();
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private const string Forwarded = "lb_http_fast_path_requests_total{result=\"forwarded\"}";
    private const string HandedOver = "lb_http_fast_path_requests_total{result=\"handed_over\"}";

    [Fact]
    public async Task PlainRequest_IsForwardedByTheFastPath_WithForwardedHeaders()
    {
        await using var backend = new ScriptedBackend();
        await using var f = await StartFrontAsync(backend.Url);
        using var request = new HttpRequestMessage(HttpMethod.Get, f.Front + "/a/b?c=d&e");
        request.Headers.Add("X-Test", "1");
        request.Headers.Add("X-Forwarded-For", "6.6.6.6");

        using var r = await f.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("ok", await r.Content.ReadAsStringAsync());
        var seen = Assert.Single(backend.Received);
        Assert.Equal("GET /a/b?c=d&e HTTP/1.1", seen.RequestLine);
        Assert.Equal(new Uri(backend.Url).Authority, seen.Header("host"));
        Assert.Equal("127.0.0.1", seen.Header("x-forwarded-for"));
        Assert.Equal("http", seen.Header("x-forwarded-proto"));
        Assert.Equal(new Uri(f.Front).Authority, seen.Header("x-forwarded-host"));
        Assert.Equal("1", seen.Header("x-test"));
        Assert.Equal(1, await MetricAsync(f, Forwarded));
        Assert.Equal(0, await MetricAsync(f, HandedOver));
        Assert.Equal(1, await MetricAsync(f, "lb_http_requests_total{route=\"all\",cluster=\"web\",destination=\"s\",code=\"2xx\"}"));
    }

    [Fact]
    public async Task Off_EveryRequestGoesThroughYarp()
    {
        await using var backend = new ScriptedBackend();
        await using var f = await StartFrontAsync(backend.Url, fastPath: false);

        using var r = await f.Client.GetAsync(f.Front + "/");

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.DoesNotContain("lb_http_fast_path_requests_total{", await f.Client.GetStringAsync(f.Host.AdminUrl + "/metrics"));
    }

    [Fact]
    public async Task UnusualRequestMidConnection_ItAndTheRestOfTheConnectionGoToYarp()
    {
        await using var backend = new ScriptedBackend(r => (ScriptedBackend.Ok(r.Target + ":" + Encoding.ASCII.GetString(r.Body)), false));
        await using var f = await StartFrontAsync(backend.Url);
        using var client = await RawClient.ConnectAsync(f.Front);

        await client.SendAsync("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
        var first = await client.ReadResponseAsync();
        await client.SendAsync("POST /2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        var second = await client.ReadResponseAsync();
        await client.SendAsync("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
        var third = await client.ReadResponseAsync();

        Assert.Equal(["/1:", "/2:hello", "/3:"], new[] { first.Body, second.Body, third.Body });
        Assert.All(new[] { first, second, third }, r => Assert.Equal(200, r.Status));
        Assert.Equal(1, await MetricAsync(f, Forwarded));
        Assert.Equal(1, await MetricAsync(f, HandedOver));
        Assert.Equal(3, await MetricAsync(f, "lb_http_requests_total{route=\"all\",cluster=\"web\",destination=\"s\",code=\"2xx\"}"));
    }

    [Fact]
    public async Task PipelinedRequests_AreAnsweredInOrder_OnOneBackendConnection()
    {
        await using var backend = new ScriptedBackend(r => (ScriptedBackend.Ok(r.Target), false));
        await using var f = await StartFrontAsync(backend.Url);
        using var client = await RawClient.ConnectAsync(f.Front);

        await client.SendAsync("GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyzGET /c HTTP/1.1\r\nHost: x\r\n\r\n");
        var bodies = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            bodies.Add((await client.ReadResponseAsync()).Body);
        }

        Assert.Equal(["/a", "/b", "/c"], bodies);
        Assert.Equal("xyz", Encoding.ASCII.GetString(backend.Received.Single(r => r.Target == "/b").Body));
        Assert.Equal(1, backend.Connections);
        Assert.Equal(3, await MetricAsync(f, Forwarded));
    }

    [Fact]
    public async Task BackendConnections_AreReused_AndOnesTheBackendClosedAreReplacedWithoutAnError()
    {
        await using var backend = new ScriptedBackend();
        await using var f = await StartFrontAsync(backend.Url);
        for (var i = 0; i < 10; i++)
        {
            using var r = await f.Client.GetAsync(f.Front + "/");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        Assert.Equal(1, backend.Connections);

        // Right after use the pooled connection is not checked: the GET fails on it and is sent again on a new one.
        backend.CloseIdleConnections();
        using (var r = await f.Client.GetAsync(f.Front + "/"))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        // After a second idle it is checked before use: a POST (never sent twice) does not meet a closed connection.
        backend.CloseIdleConnections();
        await Task.Delay(1300);
        using (var r = await f.Client.PostAsync(f.Front + "/", new StringContent("body")))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }

        Assert.Equal(3, backend.Connections);
        Assert.Equal(12, await MetricAsync(f, "lb_http_requests_total{route=\"all\",cluster=\"web\",destination=\"s\",code=\"2xx\"}"));
    }

    [Fact]
    public async Task ResponseFramings_ArePassedThroughIntact()
    {
        await using var backend = new ScriptedBackend(r => r.Target switch
        {
            "/chunked" => (Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\n\r\n"), false),
            "/close" => (Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nuntil the end"), true),
            "/head" => (Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), false),
            "/204" => (Encoding.ASCII.GetBytes("HTTP/1.1 204 No Content\r\n\r\n"), false),
            "/103" => (Encoding.ASCII.GetBytes("HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal"), false),
            "/http10" => (Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nold!"), true),
            "/big" => (ScriptedBackend.Ok(new string('z', 300_000)), false),
            _ => (ScriptedBackend.Ok("?"), false),
        });
        await using var f = await StartFrontAsync(backend.Url);

        Assert.Equal("abc0123456789abcdef", await f.Client.GetStringAsync(f.Front + "/chunked"));
        Assert.Equal("until the end", await f.Client.GetStringAsync(f.Front + "/close"));
        using (var head = await f.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, f.Front + "/head")))
        {
            Assert.Equal(5, head.Content.Headers.ContentLength);
        }
        using (var noContent = await f.Client.GetAsync(f.Front + "/204"))
        {
            Assert.Equal(HttpStatusCode.NoContent, noContent.StatusCode);
        }
        Assert.Equal("final", await f.Client.GetStringAsync(f.Front + "/103"));
        Assert.Equal("old!", await f.Client.GetStringAsync(f.Front + "/http10"));
        Assert.Equal(300_000, (await f.Client.GetStringAsync(f.Front + "/big")).Length);
        Assert.Equal("abc0123456789abcdef", await f.Client.GetStringAsync(f.Front + "/chunked"));

        Assert.Equal(8, await MetricAsync(f, Forwarded));
        Assert.Equal(0, await MetricAsync(f, HandedOver));
    }

    [Fact]
    public async Task BadResponseFraming_Is502_AndTheConnectionIsNotReused()
    {
        await using var backend = new ScriptedBackend(r => r.Target == "/bad"
            ? (Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"), false)
            : (ScriptedBackend.Ok("ok"), false));
        await using var f = await StartFrontAsync(backend.Url);

        using var bad = await f.Client.GetAsync(f.Front + "/bad");
        using var good = await f.Client.GetAsync(f.Front + "/good");

        Assert.Equal(HttpStatusCode.BadGateway, bad.StatusCode);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(2, backend.Connections);
        Assert.Equal(1, await MetricAsync(f, "lb_http_proxy_errors_total{cluster=\"web\",error=\"Request\"}"));
    }

    [Fact]
    public async Task RouteWithSessionAffinity_IsServedByYarp()
    {
        await using var backend = new ScriptedBackend();
        await using var f = await StartFrontAsync(backend.Url, shape: c => ConfigJson.Cluster(c)["SessionAffinity"] = new JsonObject
        {
            ["Enabled"] = true, ["Policy"] = "Cookie", ["AffinityKeyName"] = ".lb",
        });

        using var r = await f.Client.GetAsync(f.Front + "/");

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Contains(r.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".lb=", StringComparison.Ordinal));
        Assert.Equal(0, await MetricAsync(f, Forwarded));
        Assert.Equal(1, await MetricAsync(f, HandedOver));
    }

    /// <summary>A raw HTTP/1.1 client: exact bytes out, Content-Length responses in.</summary>
    internal sealed partial class RawClient : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly List<byte> _data = [];

        public static async Task<RawClient> ConnectAsync(string url)
        {
            var c = new RawClient();
            var uri = new Uri(url);
            await c._socket.ConnectAsync(IPAddress.Loopback, uri.Port);
            return c;
        }

        public Task SendAsync(string text) => _socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None);

        public async Task<(int Status, string Head, string Body)> ReadResponseAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var buffer = new byte[65536];
            while (true)
            {
                var text = Encoding.Latin1.GetString(_data.ToArray());
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end >= 0)
                {
                    var head = text[..end];
                    var length = LengthRegex().Match(head) is { Success: true } m ? int.Parse(m.Groups[1].Value) : 0;
                    if (text.Length >= end + 4 + length)
                    {
                        _data.RemoveRange(0, end + 4 + length);
                        return (int.Parse(head.Substring(9, 3)), head, text.Substring(end + 4, length));
                    }
                }
                var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (n == 0)
                {
                    throw new IOException("connection closed before a whole response: " + text);
                }
                _data.AddRange(buffer.AsSpan(0, n));
            }
        }

        /// <summary>True when the other side closes the connection within <paramref name="within"/>.</summary>
        public async Task<bool> WaitClosedAsync(TimeSpan within)
        {
            using var timeout = new CancellationTokenSource(within);
            try
            {
                return await _socket.ReceiveAsync(new byte[1], SocketFlags.None, timeout.Token) == 0;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            catch (SocketException)
            {
                return true;
            }
        }

        [GeneratedRegex(@"(?im)^content-length:\s*(\d+)")]
        private static partial Regex LengthRegex();

        public void Dispose() => _socket.Dispose();
    }
}
