using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Health;
using Xunit.Abstractions;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.Control;

/// <summary>The admin status page rendered by a real headless Chromium against a real balancer with real backends.</summary>
public sealed partial class StatusPageTests(ITestOutputHelper output)
{
    // Long enough in virtual time for the first fetch and at least one timed refresh; virtual time waits for pending fetches.
    private static readonly TimeSpan PageTime = TimeSpan.FromMilliseconds(2500);
    private static readonly TimeSpan ChromiumLimit = TimeSpan.FromSeconds(60);

    private static void FastChecks(JsonObject config) =>
        config["Health"] = new JsonObject
        {
            ["Pools"] = new JsonObject
            {
                ["web"] = new JsonObject
                {
                    ["Check"] = new JsonObject
                    {
                        ["Probe"] = "http", ["Path"] = "/health", ["Interval"] = "250ms",
                        // The stopped backend is found by a refused connection at once; the live ones must not fail a check
                        // because Chromium and the tests beside this one hold both cores for 200 ms.
                        ["Timeout"] = "2s",
                        ["FastInterval"] = "100ms", ["Rise"] = 2, ["Fall"] = 3, ["Jitter"] = 0,
                    },
                },
            },
        };

    private static BackendView Backend(BalancerFixture f, string id) =>
        f.Host.Control.Store.Current.GetPool("web").Single(b => b.BackendId == id);

    [SkippableFact]
    public async Task StatusPage_BackendStops_ShowsItUnhealthyWithReasonAndOthersHealthy()
    {
        var chromium = HeadlessChromium.RequireOrSkip();
        var total = Stopwatch.StartNew();
        await using var f = await BalancerFixture.StartAsync(3, (c, _, _) => FastChecks(c));
        await Poll.UntilAsync(() => f.Host.Control.Store.Current.GetPool("web").All(b => b.Health == HealthState.Healthy),
            TimeSpan.FromSeconds(10), "all healthy");
        var url = f.Host.AdminUrl + "/";

        var sw = Stopwatch.StartNew();
        var before = StatusDom.Parse(await chromium.DumpDomAsync(url, PageTime, ChromiumLimit));
        output.WriteLine($"first page load {sw.ElapsedMilliseconds} ms; state {before.State}, polls {before.Polls}");

        Assert.Equal("ok", before.State);
        Assert.True(before.Polls >= 2, $"the page should have refreshed itself at least once, polls = {before.Polls}");
        Assert.Equal(["d0", "d1", "d2"], before.Rows.Select(r => r.Id));
        Assert.All(before.Rows, r => Assert.Equal("web", r.Pool));
        Assert.All(before.Rows, r => Assert.Equal("Healthy", r.Health));
        Assert.All(before.Rows, r => Assert.Equal("Ready", r.Admin));
        Assert.Equal(f.Backends.Select(b => b.Url), before.Rows.Select(r => r.Field("address")));

        // Kill d1, drain d2, and keep one slow request in flight on d0 (the only backend left for new requests).
        var victim = f.Backends[1];
        f.Backends.RemoveAt(1);
        await victim.DisposeAsync();
        await Poll.UntilAsync(() => Backend(f, "d1").Health == HealthState.Unhealthy, TimeSpan.FromSeconds(5), "d1 unhealthy");
        using var drain = await f.Client.PostAsync(f.Host.AdminUrl + "/api/pools/web/backends/d2/drain", null);
        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        using var slowClient = BalancerFixture.NewClient();
        using var cancelSlow = new CancellationTokenSource();
        var slow = slowClient.GetAsync(f.Front + "/delay/120000", cancelSlow.Token);
        await Poll.UntilAsync(() => f.Host.ActiveRequests().GetValueOrDefault(("web", "d0")) == 1, TimeSpan.FromSeconds(5), "request in flight on d0");
        var reason = Backend(f, "d1").LastTransition?.Reason;
        Assert.False(string.IsNullOrEmpty(reason));

        sw.Restart();
        var after = StatusDom.Parse(await chromium.DumpDomAsync(url, PageTime, ChromiumLimit));
        output.WriteLine($"second page load {sw.ElapsedMilliseconds} ms; d1 reason in store: {reason}");
        var png = Path.Combine(AppContext.BaseDirectory, "status-page.png");
        sw.Restart();
        await chromium.ScreenshotAsync(url, png, PageTime, ChromiumLimit);
        output.WriteLine($"screenshot {sw.ElapsedMilliseconds} ms -> {png} ({new FileInfo(png).Length} bytes)");
        await cancelSlow.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);

        Assert.Equal("ok", after.State);
        Assert.Equal(["d0", "d1", "d2"], after.Rows.Select(r => r.Id));
        var d0 = after.Row("d0");
        var d1 = after.Row("d1");
        var d2 = after.Row("d2");
        Assert.Equal("Unhealthy", d1.Health);
        Assert.Equal(reason, d1.Field("reason"));
        Assert.Contains("ago", d1.Field("transition-at"));
        Assert.Equal("false", d1.AcceptsNew);
        Assert.Equal("0", d1.Field("effective-weight"));
        Assert.Equal("Healthy", d0.Health);
        Assert.Equal("Ready", d0.Admin);
        Assert.Equal("true", d0.AcceptsNew);
        Assert.Equal("1", d0.Field("active"));
        Assert.NotEqual("0", d0.Field("effective-weight"));
        Assert.Equal("Healthy", d2.Health);
        Assert.Equal("Drain", d2.Admin);
        Assert.Equal("false", d2.AcceptsNew);
        Assert.Equal("0", d2.Field("active"));
        Assert.Equal("2 / 3 healthy", after.Summary("web"));

        var bytes = await File.ReadAllBytesAsync(png);
        Assert.True(bytes.Length > 5 * 1024, $"screenshot is only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        output.WriteLine($"whole test {total.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task StatusPage_WithAdminToken_ShellLoadsButStatusIs401WithoutToken()
    {
        const string token = "status-page-token-0123456789";
        await using var f = await BalancerFixture.StartAsync(1, (c, _, _) => c["Balancer"]!["Admin"]!["Token"] = token);
        using var client = BalancerFixture.NewClient();

        using var shell = await client.GetAsync(f.Host.AdminUrl + "/");
        var html = await shell.Content.ReadAsStringAsync();
        using var status = await client.GetAsync(f.Host.AdminUrl + "/api/status");
        using var withToken = new HttpRequestMessage(HttpMethod.Get, f.Host.AdminUrl + "/api/status") { Headers = { { "Authorization", "Bearer " + token } } };
        using var authorized = await client.SendAsync(withToken);

        Assert.Equal(HttpStatusCode.OK, shell.StatusCode);
        Assert.Equal("text/html", shell.Content.Headers.ContentType?.MediaType);
        Assert.Contains("fetch('/api/status'", html);
        Assert.DoesNotContain(token, html);
        Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
    }

    [SkippableFact]
    public async Task StatusPage_WithAdminTokenInBrowserWithoutToken_AsksForTokenAndShowsNoData()
    {
        var chromium = HeadlessChromium.RequireOrSkip();
        await using var f = await BalancerFixture.StartAsync(1, (c, _, _) => c["Balancer"]!["Admin"]!["Token"] = "status-page-token-0123456789");

        var dom = StatusDom.Parse(await chromium.DumpDomAsync(f.Host.AdminUrl + "/", PageTime, ChromiumLimit));

        Assert.Equal("unauthorized", dom.State);
        Assert.Equal(0, dom.Polls);
        Assert.Empty(dom.Rows);
        Assert.False(dom.LoginHidden);
    }

    [Theory]
    [InlineData("http://example.com/")]
    [InlineData("http://10.0.0.1:8080/")]
    [InlineData("file:///etc/passwd")]
    [InlineData("http://127.0.0.1.example.com/")]
    public void HeadlessChromium_NonLoopbackUrl_IsRefused(string url)
    {
        var ex = Assert.Throws<ArgumentException>(() => HeadlessChromium.RequireLoopback(url));

        Assert.Contains("loopback", ex.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:1234/")]
    [InlineData("http://localhost/")]
    [InlineData("http://[::1]:80/")]
    public void HeadlessChromium_LoopbackUrl_IsAccepted(string url) =>
        HeadlessChromium.RequireLoopback(url);

    /// <summary>What the page rendered, read from its data- attributes.</summary>
    private sealed record StatusDom(string State, int Polls, bool LoginHidden, IReadOnlyList<StatusRow> Rows, IReadOnlyDictionary<string, string> Summaries)
    {
        public StatusRow Row(string id) => Rows.Single(r => r.Id == id);

        public string Summary(string pool) => Summaries[pool];

        public static StatusDom Parse(string html)
        {
            var bodyTag = BodyTag().Match(html);
            Assert.True(bodyTag.Success, "no <body> in the dumped DOM");
            var bodyAttrs = Attributes(bodyTag.Groups[1].Value);
            var rows = new List<StatusRow>();
            var summaries = new Dictionary<string, string>();
            foreach (Match section in PoolSection().Matches(html))
            {
                var pool = Attributes(section.Groups[1].Value)["data-pool"];
                summaries[pool] = Text(SummarySpan().Match(section.Groups[2].Value).Groups[1].Value);
                foreach (Match row in BackendRow().Matches(section.Groups[2].Value))
                {
                    var attrs = Attributes(row.Groups[1].Value);
                    var fields = FieldCell().Matches(row.Groups[2].Value).ToDictionary(m => m.Groups[2].Value, m => Text(m.Groups[3].Value));
                    rows.Add(new StatusRow(pool, attrs["data-backend"], attrs["data-health"], attrs["data-admin"], attrs["data-accepts-new"], fields));
                }
            }
            var login = LoginForm().Match(html);
            Assert.True(login.Success, "no login form in the dumped DOM");
            return new StatusDom(bodyAttrs["data-state"], int.Parse(bodyAttrs["data-polls"], System.Globalization.CultureInfo.InvariantCulture),
                Attributes(login.Groups[1].Value).ContainsKey("hidden"), rows, summaries);
        }

        private static Dictionary<string, string> Attributes(string tag) =>
            Attribute().Matches(tag).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[3].Value));

        private static string Text(string html) =>
            WhiteSpace().Replace(WebUtility.HtmlDecode(Tag().Replace(html, "")), " ").Trim();
    }

    /// <summary>One backend row of the page.</summary>
    private sealed record StatusRow(string Pool, string Id, string Health, string Admin, string AcceptsNew, IReadOnlyDictionary<string, string> Fields)
    {
        public string Field(string name) => Fields.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"row {Id} has no data-field '{name}'");
    }

    [GeneratedRegex("<body([^>]*)>")]
    private static partial Regex BodyTag();

    [GeneratedRegex("""<section class="pool"([^>]*)>(.*?)</section>""", RegexOptions.Singleline)]
    private static partial Regex PoolSection();

    [GeneratedRegex("""<tr class="backend[^"]*"([^>]*)>(.*?)</tr>""", RegexOptions.Singleline)]
    private static partial Regex BackendRow();

    [GeneratedRegex("""<(td|time|div)\b[^>]*data-field="([a-z-]+)"[^>]*>(.*?)</\1>""", RegexOptions.Singleline)]
    private static partial Regex FieldCell();

    [GeneratedRegex("""<span class="summary[^"]*">(.*?)</span>""", RegexOptions.Singleline)]
    private static partial Regex SummarySpan();

    [GeneratedRegex("""<form id="login"([^>]*)>""")]
    private static partial Regex LoginForm();

    [GeneratedRegex("""([a-z][a-z-]*)(="([^"]*)")?""")]
    private static partial Regex Attribute();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
