using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.TestSupport;
using static LoadBalancer.Balancer.Tests.L7.FastPath.FastPathTests;

namespace LoadBalancer.Balancer.Tests.L7.FastPath;

/// <summary>
/// The fast path on its own sockets (Tuning:Http1FastPathOwnSockets, the default): connections Kestrel never sees
/// unless one of their requests is for YARP, handed over untouched (first request) or with the bytes already taken
/// put back (later requests); drain, shutdown and the connection limit over both transports.
/// </summary>
public sealed class FastPathOwnSocketsTests
{
    private const string Forwarded = "lb_http_fast_path_requests_total{result=\"forwarded\"}";
    private const string HandedOver = "lb_http_fast_path_requests_total{result=\"handed_over\"}";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AHeadInPieces_ThenARequestForYarp_OnBothTransports(bool ownSockets)
    {
        await using var backend = new ScriptedBackend(r => (ScriptedBackend.Ok(r.Target + ":" + Encoding.ASCII.GetString(r.Body)), false));
        await using var f = await StartFrontAsync(backend.Url, ownSockets: ownSockets);
        using var client = await RawClient.ConnectAsync(f.Front);

        await client.SendAsync("GET /1 HT");
        await Task.Delay(100);
        await client.SendAsync("TP/1.1\r\nHost: x\r\n\r\n");
        var first = await client.ReadResponseAsync();
        Assert.Equal(1, await MetricAsync(f, $"lb_http_fast_path_connections{{transport=\"{(ownSockets ? "own" : "kestrel")}\"}}"));
        Assert.Equal(0, await MetricAsync(f, $"lb_http_fast_path_connections{{transport=\"{(ownSockets ? "kestrel" : "own")}\"}}"));
        // The head of a request for Kestrel arrives in two pieces: the first is taken before the fast path sees it whole.
        await client.SendAsync("POST /2 HTTP/1.1\r\nHost: x\r\nTransfer-Enc");
        await Task.Delay(100);
        await client.SendAsync("oding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        var second = await client.ReadResponseAsync();
        await client.SendAsync("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
        var third = await client.ReadResponseAsync();

        Assert.Equal(["/1:", "/2:hello", "/3:"], new[] { first.Body, second.Body, third.Body });
        Assert.Equal(1, await MetricAsync(f, Forwarded));
        Assert.Equal(1, await MetricAsync(f, HandedOver));
    }

    [Fact]
    public async Task AFirstRequestForYarp_GoesToKestrelUntouched_WithTheRestOfItsConnection()
    {
        await using var backend = new ScriptedBackend(r => (ScriptedBackend.Ok(r.Target + ":" + Encoding.ASCII.GetString(r.Body)), false));
        await using var f = await StartFrontAsync(backend.Url);
        using var client = await RawClient.ConnectAsync(f.Front);

        await client.SendAsync("POST /1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        var first = await client.ReadResponseAsync();
        await client.SendAsync("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
        var second = await client.ReadResponseAsync();

        Assert.Equal(["/1:hello", "/2:"], new[] { first.Body, second.Body });
        Assert.Equal(1, await MetricAsync(f, HandedOver));
        // The second request was Kestrel's: the connection is no longer the fast path's.
        Assert.Equal(0, await MetricAsync(f, Forwarded));
        Assert.Equal(0, await MetricAsync(f, "lb_http_fast_path_connections{transport=\"own\"}"));
    }

    [Fact]
    public async Task Drain_ClosesAKeepAliveConnectionAfterItsNextResponse_AndCountsIt()
    {
        await using var backend = new ScriptedBackend();
        await using var f = await StartFrontAsync(backend.Url);
        using var client = await RawClient.ConnectAsync(f.Front);
        await client.SendAsync("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.DoesNotContain("Connection: close", (await client.ReadResponseAsync()).Head, StringComparison.OrdinalIgnoreCase);

        var draining = f.Host.DrainAsync();
        await client.SendAsync("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
        var second = await client.ReadResponseAsync();

        Assert.Equal(200, second.Status);
        Assert.Contains("Connection: close", second.Head, StringComparison.OrdinalIgnoreCase);
        Assert.True(await client.WaitClosedAsync(TimeSpan.FromSeconds(10)));
        // No connection left open: the drain ends without waiting for its timeout.
        Assert.Equal(0, await draining.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Shutdown_ClosesIdleConnections_AndEnds()
    {
        await using var backend = new ScriptedBackend();
        var f = await StartFrontAsync(backend.Url);
        using var client = await RawClient.ConnectAsync(f.Front);
        await client.SendAsync("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);

        var closed = client.WaitClosedAsync(TimeSpan.FromSeconds(15));
        var started = Environment.TickCount64;
        await f.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(await closed);
        Assert.InRange(Environment.TickCount64 - started, 0, 10_000);
    }

    [Fact]
    public async Task ConnectionLimit_CountsTheFastPathsConnections()
    {
        await using var backend = new ScriptedBackend();
        await using var f = await StartFrontAsync(backend.Url, shape: c => c["Balancer"]!["Limits"] = new JsonObject { ["MaxConcurrentConnections"] = 1 });
        using (var first = await RawClient.ConnectAsync(f.Front))
        {
            await first.SendAsync("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal(200, (await first.ReadResponseAsync()).Status);

            using var over = await RawClient.ConnectAsync(f.Front);
            await over.SendAsync("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.True(await over.WaitClosedAsync(TimeSpan.FromSeconds(10)));
        }

        // Once the first is closed, a new connection is served.
        var served = false;
        for (var i = 0; i < 50 && !served; i++)
        {
            using var next = await RawClient.ConnectAsync(f.Front);
            await next.SendAsync("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
            try
            {
                served = (await next.ReadResponseAsync()).Status == 200;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                await Task.Delay(100);
            }
        }
        Assert.True(served);
        Assert.Equal(2, backend.Received.Count);
    }
}
