using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.L7;

/// <summary>The L7 front end to end: real Kestrel backends, the real balancer, real HTTP clients.</summary>
public sealed class ProxyTests
{
    [Fact]
    public async Task Proxy_RoundRobin_SpreadsEvenly()
    {
        await using var f = await BalancerFixture.StartAsync(3);

        var counts = await f.SpreadAsync(30);

        Assert.Equal(3, counts.Count);
        Assert.All(counts.Values, c => Assert.Equal(10, c));
    }

    [Fact]
    public async Task Proxy_Request_AddsForwardedHeaders()
    {
        await using var f = await BalancerFixture.StartAsync(1);

        using var r = await f.Client.GetAsync(f.Front + "/echo");

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("127.0.0.1", r.Headers.GetValues("X-Echo-X-Forwarded-For").Single());
        Assert.Equal("http", r.Headers.GetValues("X-Echo-X-Forwarded-Proto").Single());
        Assert.Equal(new Uri(f.Front).Authority, r.Headers.GetValues("X-Echo-X-Forwarded-Host").Single());
    }

    [Fact]
    public async Task Proxy_SilentBackend_Returns504NotHang()
    {
        await using var f = await BalancerFixture.StartAsync(1, (c, _, _) =>
            ConfigJson.Cluster(c)["HttpRequest"] = new JsonObject { ["ActivityTimeout"] = "500ms" });
        var started = DateTime.UtcNow;

        using var r = await f.Client.GetAsync(f.Front + "/delay/10000");

        Assert.Equal(HttpStatusCode.GatewayTimeout, r.StatusCode);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Proxy_DefaultBackendTimeout_AppliesWhenClusterSetsNone()
    {
        await using var f = await BalancerFixture.StartAsync(1, (c, _, _) =>
            c["Balancer"]!["Limits"] = new JsonObject { ["BackendTimeout"] = "1500ms" });

        using var slow = await f.Client.GetAsync(f.Front + "/delay/10000");
        using var fast = await f.Client.GetAsync(f.Front + "/delay/10");

        Assert.Equal(HttpStatusCode.GatewayTimeout, slow.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fast.StatusCode);
    }

    [Fact]
    public async Task Proxy_RouteTimeout_Returns504()
    {
        await using var f = await BalancerFixture.StartAsync(1, (c, _, _) =>
            c["ReverseProxy"]!["Routes"]!["all"]!["Timeout"] = "00:00:00.500");

        using var r = await f.Client.GetAsync(f.Front + "/delay/10000");

        Assert.Equal(HttpStatusCode.GatewayTimeout, r.StatusCode);
    }

    [Fact]
    public async Task Proxy_BodyOverLimit_Returns413AndKeepsServing()
    {
        await using var f = await BalancerFixture.StartAsync(1, (c, _, _) =>
            c["Balancer"]!["Limits"] = new JsonObject { ["MaxRequestBodySize"] = 1024 });

        using var big = await f.Client.PostAsync(f.Front + "/echo", new ByteArrayContent(new byte[4096]));
        using var small = await f.Client.PostAsync(f.Front + "/echo", new ByteArrayContent(new byte[512]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal(512, (await small.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Proxy_ChunkedBodyOverLimit_IsRefused()
    {
        await using var f = await BalancerFixture.StartAsync(1, (c, _, _) =>
            c["Balancer"]!["Limits"] = new JsonObject { ["MaxRequestBodySize"] = 1024 });
        var content = new StreamContent(new MemoryStream(new byte[64 * 1024]));
        content.Headers.ContentLength = null;

        using var r = await f.Client.PostAsync(f.Front + "/echo", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
    }

    [Theory]
    [InlineData("pem")]
    [InlineData("pfx")]
    public async Task Proxy_Tls_TerminatesAndSpeaksHttp2(string format)
    {
        await using var f = await BalancerFixture.StartAsync(2, (c, _, dir) =>
        {
            JsonObject certificate;
            if (format == "pem")
            {
                var (cert, key) = SelfSignedCertificate.WritePem(dir);
                certificate = new JsonObject { ["Path"] = cert, ["KeyPath"] = key };
            }
            else
            {
                certificate = new JsonObject { ["Path"] = SelfSignedCertificate.WritePfx(dir, "s3cret"), ["Password"] = "s3cret" };
            }
            c["Balancer"]!["Listeners"] = new JsonArray(new JsonObject { ["Url"] = "https://127.0.0.1:0", ["Certificate"] = certificate });
        });
        using var h2 = BalancerFixture.NewClient(version: HttpVersion.Version20);

        using var r = await h2.GetAsync(f.Front + "/echo");

        Assert.StartsWith("https://", f.Front);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(HttpVersion.Version20, r.Version);
        Assert.Equal("https", r.Headers.GetValues("X-Echo-X-Forwarded-Proto").Single());
    }

    [Fact]
    public async Task Proxy_SessionAffinity_KeepsClientOnOneBackend()
    {
        await using var f = await BalancerFixture.StartAsync(3, (c, _, _) =>
            ConfigJson.Cluster(c)["SessionAffinity"] = new JsonObject { ["Enabled"] = true, ["Policy"] = "Cookie", ["AffinityKeyName"] = ".lb" });
        using var client = BalancerFixture.NewClient(cookies: true);

        var names = new HashSet<string>();
        for (var i = 0; i < 12; i++)
        {
            using var r = await client.GetAsync(f.Front + "/");
            names.Add(r.Headers.GetValues("X-Backend").Single());
        }
        var spread = await f.SpreadAsync(12);

        Assert.Single(names);
        Assert.Equal(3, spread.Count);
    }

    [Fact]
    public async Task Proxy_WebSocket_PassesThrough()
    {
        await using var f = await BalancerFixture.StartAsync(1);
        using var ws = new ClientWebSocket();

        await ws.ConnectAsync(new Uri(f.Front.Replace("http://", "ws://") + "/ws"), CancellationToken.None);
        await ws.SendAsync(Encoding.UTF8.GetBytes("ping"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[256];
        var received = await ws.ReceiveAsync(buffer, CancellationToken.None);
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);

        Assert.Equal("b0:ping", Encoding.UTF8.GetString(buffer, 0, received.Count));
    }

    [Fact]
    public async Task Proxy_UnreachableBackend_Returns502()
    {
        await using var f = await BalancerFixture.StartAsync(1, (c, _, _) =>
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            ConfigJson.Cluster(c)["Destinations"] = new JsonObject { ["dead"] = new JsonObject { ["Address"] = $"http://127.0.0.1:{closedPort}/" } };
        });

        using var r = await f.Client.GetAsync(f.Front + "/");

        Assert.Equal(HttpStatusCode.BadGateway, r.StatusCode);
    }

    [Fact]
    public async Task Proxy_GarbageRequest_Gets400AndFrontKeepsServing()
    {
        await using var f = await BalancerFixture.StartAsync(1);
        var uri = new Uri(f.Front);
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(uri.Host, uri.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("\u0001\u0002GARBAGE \r\n\r\n"));
            var reply = new byte[512];
            var n = await stream.ReadAsync(reply);
            Assert.StartsWith("HTTP/1.1 400", Encoding.ASCII.GetString(reply, 0, n));
        }
        using (var half = new TcpClient())
        {
            await half.ConnectAsync(uri.Host, uri.Port);
            await half.GetStream().WriteAsync(Encoding.ASCII.GetBytes("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc"));
        }

        var counts = await f.SpreadAsync(5);

        Assert.Equal(5, counts["b0"]);
    }

    [Fact]
    public async Task Admin_Metrics_ServesPrometheusText()
    {
        await using var f = await BalancerFixture.StartAsync(1);

        using var r = await f.Client.GetAsync(f.Host.AdminUrl + "/metrics");
        var text = await r.Content.ReadAsStringAsync();
        using var health = await f.Client.GetAsync(f.Host.AdminUrl + "/healthz");

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.StartsWith("text/plain", r.Content.Headers.ContentType!.MediaType);
        Assert.Contains("# TYPE lb_config_reloads_total counter", text);
        Assert.Contains("lb_build_info{", text);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
