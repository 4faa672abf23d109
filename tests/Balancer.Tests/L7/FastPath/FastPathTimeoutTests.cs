using System.Text.Json.Nodes;

namespace LoadBalancer.Balancer.Tests.L7.FastPath;

/// <summary>The fast path's own timeouts (it reads request heads itself, so Kestrel's do not apply to it).</summary>
[Collection(TestSupport.WallClockCollection.Name)]
public sealed class FastPathTimeoutTests
{
    [Fact]
    public async Task IdleClientConnection_IsClosedAfterTheKeepAliveTimeout()
    {
        await using var backend = new ScriptedBackend();
        await using var f = await FastPathTests.StartFrontAsync(backend.Url, shape: c => c["Balancer"]!["Limits"] = new JsonObject { ["KeepAliveTimeout"] = "2s" });
        using var client = await FastPathTests.RawClient.ConnectAsync(f.Front);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        var idleFrom = DateTime.UtcNow;

        var closed = await client.WaitClosedAsync(TimeSpan.FromSeconds(10));

        Assert.True(closed, "the front kept an idle connection open for 10 s");
        Assert.InRange(DateTime.UtcNow - idleFrom, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task SlowRequestHead_IsClosedAfterTheRequestHeadersTimeout()
    {
        await using var backend = new ScriptedBackend();
        await using var f = await FastPathTests.StartFrontAsync(backend.Url, shape: c => c["Balancer"]!["Limits"] = new JsonObject { ["RequestHeadersTimeout"] = "2s" });
        using var client = await FastPathTests.RawClient.ConnectAsync(f.Front);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n");
        var startedAt = DateTime.UtcNow;

        var closed = await client.WaitClosedAsync(TimeSpan.FromSeconds(10));

        Assert.True(closed, "the front waited 10 s for the rest of a request head");
        Assert.InRange(DateTime.UtcNow - startedAt, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(5));
        Assert.Empty(backend.Received);
    }
}
