using System.Net;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.TestSupport;
using Xunit.Abstractions;
using static LoadBalancer.Balancer.Tests.L7.ProxyProtocol.ProxyProtocolKit;

namespace LoadBalancer.Balancer.Tests.L7.ProxyProtocol;

/// <summary>PROXY protocol against real servers that speak it: nginx (<c>listen ... proxy_protocol</c>) and HAProxy (<c>accept-proxy</c>,
/// <c>send-proxy-v2</c>), started by the test from its temp dir and stopped by PID.</summary>
public sealed class ProxyProtocolPeerTests(ITestOutputHelper output)
{
    private const string NginxMissing = "nginx not installed (Debian package 'nginx'; tests/run.sh installs it when run as root)";
    private const string HaproxyMissing = "haproxy not installed (Debian package 'haproxy'; tests/run.sh installs it when run as root)";

    /// <summary>The balancer with one cluster whose destination is the peer, sending PROXY <paramref name="version"/>.</summary>
    private static Task<BalancerFixture> BalancerToAsync(int peerPort, string version, Action<JsonObject>? more = null) =>
        BalancerFixture.StartAsync(0, (c, _, _) =>
        {
            var cluster = ConfigJson.Cluster(c);
            cluster["Destinations"] = new JsonObject { ["peer"] = new JsonObject { ["Address"] = $"http://127.0.0.1:{peerPort}" } };
            cluster["Metadata"] = new JsonObject { ["ProxyProtocol"] = version };
            more?.Invoke(c);
        });

    [SkippableTheory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task Outbound_Nginx_SeesEachClientsOwnAddress_NeverAnothersConnection(string version)
    {
        var nginx = Find("nginx");
        Skip.If(nginx is null, NginxMissing);
        using var dir = new TempDir();
        await using var peer = await PeerServer.StartNginxAsync(nginx!, dir);
        await using var f = await BalancerToAsync(peer.Port, version);
        using var a = ClientFrom("127.0.0.3");
        using var b = ClientFrom("127.0.0.4");

        // Interleaved keep-alive requests of two clients: a shared backend connection would show one client's address to the other.
        for (var i = 0; i < 5; i++)
        {
            Assert.StartsWith("127.0.0.3 ", await a.GetStringAsync(f.Front + "/"));
            Assert.StartsWith("127.0.0.4 ", await b.GetStringAsync(f.Front + "/"));
        }

        // nginx writes a request's log line after it has sent the response.
        string[] log = [];
        await LoadBalancer.TestSupport.Poll.TryUntilAsync(async () => (log = await File.ReadAllLinesAsync(Path.Combine(dir.Path, "access.log"))).Length >= 10, Limit);
        output.WriteLine(string.Join("\n", log));
        Assert.Equal(10, log.Length);
        Assert.Equal(5, log.Count(l => l.StartsWith("127.0.0.3 ", StringComparison.Ordinal)));
        Assert.Equal(5, log.Count(l => l.StartsWith("127.0.0.4 ", StringComparison.Ordinal)));
    }

    [SkippableFact]
    public async Task Outbound_Nginx_GetsTheClientTheBalancerWasToldAboutByItsOwnProxy()
    {
        var nginx = Find("nginx");
        Skip.If(nginx is null, NginxMissing);
        using var dir = new TempDir();
        await using var peer = await PeerServer.StartNginxAsync(nginx!, dir);
        await using var f = await BalancerToAsync(peer.Port, "v2", c =>
        {
            c["Balancer"]!["Listeners"]![0]!["ProxyProtocol"] = "v1";
            c["Balancer"]!["Listeners"]![0]!["ProxyProtocolTrusted"] = new JsonArray("127.0.0.1");
        });

        var answer = await RawGetAsync(f.Front, "PROXY TCP4 203.0.113.7 192.0.2.1 41000 80\r\n"u8.ToArray(), "/");

        Assert.StartsWith("HTTP/1.1 200", answer);
        Assert.EndsWith("203.0.113.7 41000\n", answer);
    }

    [SkippableFact]
    public async Task Outbound_HaproxyAcceptProxy_SeesTheClientAddress()
    {
        var haproxy = Find("haproxy");
        Skip.If(haproxy is null, HaproxyMissing);
        using var dir = new TempDir();
        await using var peer = await PeerServer.StartHaproxyAcceptAsync(haproxy!, dir);
        await using var f = await BalancerToAsync(peer.Port, "v2");
        using var a = ClientFrom("127.0.0.5");

        Assert.Equal("127.0.0.5\n", await a.GetStringAsync(f.Front + "/"));
    }

    [SkippableFact]
    public async Task Inbound_BehindHaproxySendProxyV2_BackendSeesTheRealClient()
    {
        var haproxy = Find("haproxy");
        Skip.If(haproxy is null, HaproxyMissing);
        await using var f = await BalancerFixture.StartAsync(1, (c, _, _) =>
        {
            c["Balancer"]!["Listeners"]![0]!["ProxyProtocol"] = "v2";
            c["Balancer"]!["Listeners"]![0]!["ProxyProtocolTrusted"] = new JsonArray("127.0.0.1/32");
        });
        using var dir = new TempDir();
        await using var front = await PeerServer.StartHaproxySendAsync(haproxy!, dir, new Uri(f.Front).Port);
        using var client = ClientFrom("127.0.0.6");

        using var r = await client.GetAsync($"http://127.0.0.1:{front.Port}/echo");

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("127.0.0.6", r.Headers.GetValues("X-Echo-X-Forwarded-For").Single());
        // The same client straight to the balancer is not a trusted proxy.
        Assert.Equal("", await RawGetAsync(f.Front, [], localIp: "127.0.0.6"));
        Assert.Equal(1, await RejectedAsync(f, "untrusted"));
    }

    [SkippableTheory]
    [InlineData("v2", "Healthy")]
    [InlineData("v1", "Healthy")]
    [InlineData(null, "Unhealthy")]
    public async Task HealthCheck_WithProxyProtocol_PassesOnAProxyProtocolBackend(string? version, string expected)
    {
        var nginx = Find("nginx");
        Skip.If(nginx is null, NginxMissing);
        using var dir = new TempDir();
        await using var peer = await PeerServer.StartNginxAsync(nginx!, dir);
        var check = new JsonObject { ["Probe"] = "http", ["Interval"] = "200ms", ["Timeout"] = "2s", ["Rise"] = 1, ["Fall"] = 1 };
        if (version is not null)
        {
            check["ProxyProtocol"] = version;
        }
        await using var f = await BalancerToAsync(peer.Port, "v2", c =>
            c["Health"] = new JsonObject { ["Pools"] = new JsonObject { ["web"] = new JsonObject { ["Check"] = check } } });

        string? health = null;
        await LoadBalancer.TestSupport.Poll.TryUntilAsync(async () =>
        {
            var status = JsonNode.Parse(await f.Client.GetStringAsync(f.Host.AdminUrl + "/api/status"))!;
            health = status["pools"]!.AsArray().Single(p => (string?)p!["name"] == "web")!["backends"]!.AsArray().Single()!["health"]?.ToString();
            return health == expected;
        }, Limit);

        Assert.Equal(expected, health);
        if (expected == "Healthy")
        {
            // nginx logged the probe's own address from its header (it writes the line after its response).
            var logPath = Path.Combine(dir.Path, "access.log");
            LoadBalancer.TestSupport.Poll.TryUntil(() => File.ReadAllLines(logPath).Any(l => l.StartsWith("127.0.0.1 ", StringComparison.Ordinal)), Limit);
            Assert.Contains(File.ReadAllLines(logPath), l => l.StartsWith("127.0.0.1 ", StringComparison.Ordinal));
        }
    }
}
