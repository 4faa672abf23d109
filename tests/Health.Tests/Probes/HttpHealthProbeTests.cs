using System.Net;
using LoadBalancer.Health.Probes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace LoadBalancer.Health.Tests.Probes;

public sealed class HttpHealthProbeTests : IDisposable
{
    private readonly HealthProbeRegistry _registry = HealthProbeRegistry.CreateDefault();

    public void Dispose() => _registry.Dispose();

    [Fact]
    public async Task Probe_ServerUp_OkWithStatus()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/healthz", () => "ok"));

        var result = await ProbeAsync("http", server.EndPoint, Settings("/healthz"));

        Assert.True(result.Success, result.ToString());
        Assert.Equal(ProbeReason.Ok, result.Reason);
        Assert.Equal("status 200", result.Detail);
    }

    [Fact]
    public async Task Probe_ClosedPort_Refused()
    {
        var result = await ProbeAsync("http", new IPEndPoint(IPAddress.Loopback, TestServer.ClosedPort()), Settings("/"));

        Assert.False(result.Success);
        Assert.Equal(ProbeReason.Refused, result.Reason);
    }

    [Fact]
    public async Task Probe_ServerSlowerThanDeadline_Timeout()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/slow", async (HttpContext ctx) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), ctx.RequestAborted);
            return "late";
        }));

        var result = await ProbeAsync("http", server.EndPoint, Settings("/slow"), TimeSpan.FromMilliseconds(300));

        Assert.Equal(ProbeReason.Timeout, result.Reason);
        Assert.InRange(result.Duration, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Probe_Status503_BadStatus()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", () => Results.StatusCode(503)));

        var result = await ProbeAsync("http", server.EndPoint, Settings("/"));

        Assert.Equal(ProbeReason.BadStatus, result.Reason);
        Assert.Equal("status 503", result.Detail);
    }

    [Fact]
    public async Task Probe_StatusOutsideCustomRange_BadStatus()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", () => Results.Redirect("/elsewhere")));

        var strict = await ProbeAsync("http", server.EndPoint, Settings("/") with { ExpectedStatus = new StatusCodeRange(200, 299) });
        var loose = await ProbeAsync("http", server.EndPoint, Settings("/"));

        Assert.Equal((ProbeReason.BadStatus, "status 302"), (strict.Reason, strict.Detail));
        Assert.True(loose.Success, loose.ToString());
    }

    [Fact]
    public async Task Probe_BodyLacksText_BodyMismatch()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", () => "status: degraded"));

        var mismatch = await ProbeAsync("http", server.EndPoint, Settings("/") with { BodyContains = "status: ok" });
        var match = await ProbeAsync("http", server.EndPoint, Settings("/") with { BodyContains = "degraded" });

        Assert.Equal(ProbeReason.BodyMismatch, mismatch.Reason);
        Assert.Contains("status: ok", mismatch.Detail, StringComparison.Ordinal);
        Assert.True(match.Success, match.ToString());
    }

    [Fact]
    public async Task Probe_HostHeader_SentToServer()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", (HttpContext ctx) => "host=" + ctx.Request.Host.Value));

        var result = await ProbeAsync("http", server.EndPoint, Settings("/") with { Host = "shop.example", BodyContains = "host=shop.example" });

        Assert.True(result.Success, result.ToString());
    }

    [Fact]
    public async Task Probe_Http2PriorKnowledge_SpeaksHttp2()
    {
        await using var server = await TestServer.StartAsync(
            app => app.MapGet("/", (HttpContext ctx) => ctx.Request.Protocol),
            protocols: HttpProtocols.Http2);

        var h2 = await ProbeAsync("http", server.EndPoint, Settings("/") with { Version = HttpVersion.Version20, BodyContains = "HTTP/2" });
        var h1 = await ProbeAsync("http", server.EndPoint, Settings("/"));

        Assert.True(h2.Success, h2.ToString());
        Assert.False(h1.Success, "an HTTP/1.1 probe should not pass against an HTTP/2-only listener");
    }

    [Fact]
    public async Task Probe_SelfSignedHttps_TlsErrorUnlessInsecureSkipVerify()
    {
        using var cert = TestServer.SelfSignedCertificate();
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", () => "secure"), cert);

        var verified = await ProbeAsync("https", server.EndPoint, Settings("/"));
        var skipped = await ProbeAsync("https", server.EndPoint, Settings("/") with { InsecureSkipVerify = true, BodyContains = "secure" });
        var verifiedAgain = await ProbeAsync("https", server.EndPoint, Settings("/"));

        Assert.Equal(ProbeReason.TlsError, verified.Reason);
        Assert.True(skipped.Success, skipped.ToString());

        // The insecure pool must not leak an unverified connection into a verifying probe.
        Assert.Equal(ProbeReason.TlsError, verifiedAgain.Reason);
    }

    [Fact]
    public async Task Probe_HttpsAgainstPlainHttp_FailsWithoutThrowing()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", () => "plain"));

        var result = await ProbeAsync("https", server.EndPoint, Settings("/") with { InsecureSkipVerify = true });

        Assert.False(result.Success);
        Assert.Contains(result.Reason, new[] { ProbeReason.TlsError, ProbeReason.Error });
    }

    [SkippableFact]
    public async Task Probe_Ipv6Backend_Ok()
    {
        Skip.IfNot(System.Net.Sockets.Socket.OSSupportsIPv6, "needs IPv6 on loopback");
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", () => "v6"), address: IPAddress.IPv6Loopback);

        var result = await ProbeAsync("http", server.EndPoint, Settings("/") with { BodyContains = "v6" });

        Assert.True(result.Success, result.ToString());
    }

    private static HttpProbeSettings Settings(string path) => HttpProbeSettings.Default with { Path = path };

    private async Task<ProbeResult> ProbeAsync(string probeName, IPEndPoint endPoint, HttpProbeSettings settings, TimeSpan? timeout = null)
    {
        Assert.True(_registry.TryGetProbe(probeName, out var probe));
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await probe.ProbeAsync(new ProbeTarget("web", "b1", endPoint, settings), cts.Token);
    }
}
