using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Tests.Metrics;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.L7.Operations;

/// <summary>The access log of a real front in front of real backends: each request made is one line whose fields parse back to what was sent and received.</summary>
public sealed partial class AccessLogTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static Task<BalancerFixture> StartAsync(string format, string trusted = "[ \"127.0.0.1\" ]", Action<JsonObject>? more = null) =>
        BalancerFixture.StartAsync(2, (c, backends, dir) =>
        {
            c["Balancer"]!["AccessLog"] = new JsonObject { ["Enabled"] = true, ["Format"] = format, ["Path"] = Path.Combine(dir.Path, "access.log") };
            c["Balancer"]!["TrustedProxies"] = JsonNode.Parse(trusted);
            more?.Invoke(c);
        });

    private static string LogPath(BalancerFixture f) => Path.Combine(f.Dir.Path, "access.log");

    private static async Task<string[]> LinesAsync(BalancerFixture f, int count)
    {
        string[] lines = [];
        await Poll.UntilAsync(() =>
        {
            lines = File.Exists(LogPath(f)) ? File.ReadAllLines(LogPath(f)) : [];
            return lines.Length >= count;
        }, Wait, $"{count} access log lines (have {lines.Length})");
        return lines;
    }

    [Fact]
    public async Task Json_EveryRequestIsOneLine_FieldsMatchTheRequest()
    {
        await using var f = await StartAsync("json");
        using (var get = new HttpRequestMessage(HttpMethod.Get, f.Front + "/some/path?x=1&y=%20"))
        {
            get.Headers.Add("X-Forwarded-For", "203.0.113.7, 10.1.1.1");
            get.Headers.UserAgent.ParseAdd("probe/1.0");
            using var r = await f.Client.SendAsync(get);
            Assert.Equal(200, (int)r.StatusCode);
        }
        using (var post = await f.Client.PostAsync(f.Front + "/echo", new ByteArrayContent(new byte[1000])))
        {
            Assert.Equal(1000, (await post.Content.ReadAsByteArrayAsync()).Length);
        }
        using (var big = await f.Client.GetAsync(f.Front + "/bytes/5000"))
        {
            Assert.Equal(5000, (await big.Content.ReadAsByteArrayAsync()).Length);
        }
        using (var slow = await f.Client.GetAsync(f.Front + "/delay/300"))
        {
            slow.EnsureSuccessStatusCode();
        }

        var lines = await LinesAsync(f, 4);

        Assert.Equal(4, lines.Length);
        var entries = lines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        var first = entries[0];
        Assert.Equal("203.0.113.7", first.GetProperty("client").GetString());
        Assert.Equal("GET", first.GetProperty("method").GetString());
        Assert.Equal(new Uri(f.Front).Authority, first.GetProperty("host").GetString());
        Assert.Equal("/some/path", first.GetProperty("path").GetString());
        Assert.Equal("?x=1&y=%20", first.GetProperty("query").GetString());
        Assert.Equal("HTTP/1.1", first.GetProperty("protocol").GetString());
        Assert.Equal(200, first.GetProperty("status").GetInt32());
        Assert.Equal("all", first.GetProperty("route").GetString());
        Assert.Equal("web", first.GetProperty("cluster").GetString());
        Assert.Matches("^d[01]$", first.GetProperty("destination").GetString());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("error").ValueKind);
        Assert.True(DateTime.UtcNow - first.GetProperty("time").GetDateTime().ToUniversalTime() < TimeSpan.FromMinutes(1));

        Assert.Equal("POST", entries[1].GetProperty("method").GetString());
        Assert.Equal(1000, entries[1].GetProperty("bytes_in").GetInt64());
        Assert.Equal(1000, entries[1].GetProperty("bytes_out").GetInt64());
        Assert.Equal("127.0.0.1", entries[1].GetProperty("client").GetString());
        Assert.Equal(0, entries[2].GetProperty("bytes_in").GetInt64());
        Assert.Equal(5000, entries[2].GetProperty("bytes_out").GetInt64());

        var delayed = entries[3];
        var backend = delayed.GetProperty("backend_ms").GetDouble();
        var total = delayed.GetProperty("duration_ms").GetDouble();
        Assert.InRange(backend, 295, 10_000);
        Assert.InRange(total, backend, 20_000);
        // Lines are counted once flushed, which is just after the test can read them.
        var scrape = await f.MetricsWhenAsync(t => MetricsText.Value(t, "lb_access_log_lines_total") == 4);
        Assert.Equal(4, MetricsText.Value(scrape, "lb_access_log_lines_total"));
        Assert.Equal(0, MetricsText.Value(scrape, "lb_access_log_dropped_total"));
    }

    [Fact]
    public async Task Json_DeadDestinationAndNoRoute_LoggedWithYarpErrorAnd404()
    {
        await using var f = await StartAsync("json", "[]", c =>
        {
            c["ReverseProxy"]!["Routes"]!["all"]!["Match"]!["Path"] = "/app/{**rest}";
            ConfigJson.Cluster(c)["Destinations"] = new JsonObject { ["dead"] = new JsonObject { ["Address"] = "http://127.0.0.1:1/" } };
        });
        using (var r = new HttpRequestMessage(HttpMethod.Get, f.Front + "/app/x"))
        {
            r.Headers.Add("X-Forwarded-For", "203.0.113.7");
            using var response = await f.Client.SendAsync(r);
            Assert.Equal(502, (int)response.StatusCode);
        }
        using (var unrouted = await f.Client.GetAsync(f.Front + "/elsewhere"))
        {
            Assert.Equal(404, (int)unrouted.StatusCode);
        }

        var entries = (await LinesAsync(f, 2)).Select(l => JsonDocument.Parse(l).RootElement).ToArray();

        // The peer is not trusted here: its X-Forwarded-For is ignored.
        Assert.Equal("127.0.0.1", entries[0].GetProperty("client").GetString());
        Assert.Equal(502, entries[0].GetProperty("status").GetInt32());
        Assert.Equal("dead", entries[0].GetProperty("destination").GetString());
        Assert.Equal("Request", entries[0].GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, entries[0].GetProperty("backend_ms").ValueKind);
        Assert.Equal(404, entries[1].GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.Null, entries[1].GetProperty("route").ValueKind);
    }

    [GeneratedRegex("""^(\S+) - - \[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000)\] "(\S+) (\S+) (\S+)" (\d{3}) (\d+|-)(?: "([^"]*)" "([^"]*)")?$""")]
    private static partial Regex CommonLine();

    [Theory]
    [InlineData("combined")]
    [InlineData("common")]
    public async Task CommonFormats_LinesSplitBackIntoTheirFields(string format)
    {
        await using var f = await StartAsync(format);
        using (var get = new HttpRequestMessage(HttpMethod.Get, f.Front + "/bytes/1234?q=\"quoted\""))
        {
            get.Headers.Add("X-Forwarded-For", "198.51.100.9");
            get.Headers.Referrer = new Uri("http://example.test/from");
            get.Headers.UserAgent.ParseAdd("agent/2.0");
            using var r = await f.Client.SendAsync(get);
            Assert.Equal(1234, (await r.Content.ReadAsByteArrayAsync()).Length);
        }
        using (var empty = await f.Client.PostAsync(f.Front + "/echo", new ByteArrayContent([])))
        {
            empty.EnsureSuccessStatusCode();
        }

        var lines = await LinesAsync(f, 2);

        var m = CommonLine().Match(lines[0]);
        Assert.True(m.Success, lines[0]);
        Assert.Equal("198.51.100.9", m.Groups[1].Value);
        var time = DateTime.ParseExact(m.Groups[2].Value, "dd/MMM/yyyy:HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();
        Assert.True(Math.Abs((DateTime.UtcNow - time).TotalMinutes) < 1, m.Groups[2].Value);
        Assert.Equal("GET", m.Groups[3].Value);
        Assert.Equal("/bytes/1234?q=%22quoted%22", m.Groups[4].Value);
        Assert.Equal("HTTP/1.1", m.Groups[5].Value);
        Assert.Equal("200", m.Groups[6].Value);
        Assert.Equal("1234", m.Groups[7].Value);
        Assert.Equal(format == "combined", m.Groups[8].Success);
        if (format == "combined")
        {
            Assert.Equal("http://example.test/from", m.Groups[8].Value);
            Assert.Equal("agent/2.0", m.Groups[9].Value);
        }
        var second = CommonLine().Match(lines[1]);
        Assert.True(second.Success, lines[1]);
        Assert.Equal("-", second.Groups[7].Value);
    }

    [Fact]
    public async Task ListenerOverride_OnlyTheListenerWithTheLogOnWritesLines()
    {
        await using var f = await BalancerFixture.StartAsync(1, (c, _, dir) =>
        {
            c["Balancer"]!["AccessLog"] = new JsonObject { ["Path"] = Path.Combine(dir.Path, "access.log") };
            c["Balancer"]!["Listeners"] = new JsonArray(
                new JsonObject { ["Url"] = "http://127.0.0.1:0" },
                new JsonObject { ["Url"] = "http://127.0.0.1:0", ["AccessLog"] = true });
        });
        Assert.Equal(2, f.Host.FrontUrls.Count);
        for (var i = 0; i < 3; i++)
        {
            using var quiet = await f.Client.GetAsync(f.Host.FrontUrls[0] + "/quiet");
            using var logged = await f.Client.GetAsync(f.Host.FrontUrls[1] + "/logged");
        }
        using (var last = await f.Client.GetAsync(f.Host.FrontUrls[0] + "/quiet"))
        {
        }

        var lines = await LinesAsync(f, 3);
        var scrape = await f.MetricsWhenAsync(t => MetricsText.Value(t, "lb_access_log_lines_total") == 3);

        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Equal("/logged", JsonDocument.Parse(l).RootElement.GetProperty("path").GetString()));
        Assert.Equal(3, MetricsText.Value(scrape, "lb_access_log_lines_total"));
        Assert.Equal(Encoding.UTF8.GetByteCount(string.Join("\n", lines) + "\n"), new FileInfo(LogPath(f)).Length);
    }

    [Fact]
    public async Task Off_NoFileAndNoLines()
    {
        await using var f = await BalancerFixture.StartAsync(1, (c, _, dir) =>
            c["Balancer"]!["AccessLog"] = new JsonObject { ["Enabled"] = false, ["Path"] = Path.Combine(dir.Path, "access.log") });
        using (var r = await f.Client.GetAsync(f.Front + "/"))
        {
            r.EnsureSuccessStatusCode();
        }
        var scrape = await f.Client.GetStringAsync(f.Host.AdminUrl + "/metrics");

        Assert.False(File.Exists(LogPath(f)));
        Assert.Equal(0, MetricsText.Value(scrape, "lb_access_log_lines_total"));
    }

    [Fact]
    public async Task Http2OverTlsAndWebSocket_StillProxied_AndLogged()
    {
        await using var f = await BalancerFixture.StartAsync(1, (c, _, dir) =>
        {
            var (cert, key) = SelfSignedCertificate.WritePem(dir);
            c["Balancer"]!["Listeners"] = new JsonArray(
                new JsonObject { ["Url"] = "https://127.0.0.1:0", ["Certificate"] = new JsonObject { ["Path"] = cert, ["KeyPath"] = key } },
                new JsonObject { ["Url"] = "http://127.0.0.1:0" });
            c["Balancer"]!["AccessLog"] = new JsonObject { ["Enabled"] = true, ["Path"] = Path.Combine(dir.Path, "access.log") };
        });
        using var h2 = BalancerFixture.NewClient(version: HttpVersion.Version20);
        using (var r = await h2.PostAsync(f.Host.FrontUrls[0] + "/echo", new ByteArrayContent(new byte[3000])))
        {
            Assert.Equal(HttpVersion.Version20, r.Version);
            Assert.Equal(3000, (await r.Content.ReadAsByteArrayAsync()).Length);
        }
        using (var ws = new ClientWebSocket())
        {
            await ws.ConnectAsync(new Uri(f.Host.FrontUrls[1].Replace("http://", "ws://", StringComparison.Ordinal) + "/ws"), CancellationToken.None);
            await ws.SendAsync(Encoding.UTF8.GetBytes("ping"), WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[256];
            var received = await ws.ReceiveAsync(buffer, CancellationToken.None);
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            Assert.Equal("b0:ping", Encoding.UTF8.GetString(buffer, 0, received.Count));
        }

        var entries = (await LinesAsync(f, 2)).Select(l => JsonDocument.Parse(l).RootElement).ToArray();

        Assert.Equal("HTTP/2", entries[0].GetProperty("protocol").GetString());
        Assert.Equal(3000, entries[0].GetProperty("bytes_in").GetInt64());
        Assert.Equal(3000, entries[0].GetProperty("bytes_out").GetInt64());
        Assert.Equal("/ws", entries[1].GetProperty("path").GetString());
        Assert.Equal(101, entries[1].GetProperty("status").GetInt32());
    }
}
