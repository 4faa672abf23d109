using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.Control;

/// <summary>
/// Traffic on the status page and in /api/status, against known traffic through a real balancer: requests with a known
/// delay and body size to two live backends, and to one destination whose port is closed (connect failures, 502s).
/// </summary>
[Collection(WallClockCollection.Name)]
public sealed partial class StatusTrafficTests(ITestOutputHelper output)
{
    private const int Gets = 30;
    private const int Posts = 12;
    private const int PostBytes = 700;
    private const int DelayMs = 100;
    private static readonly TimeSpan PageTime = TimeSpan.FromMilliseconds(2500);
    private static readonly TimeSpan ChromiumLimit = TimeSpan.FromSeconds(60);

    /// <summary>What the client sent and got.</summary>
    private sealed record Sent(int Ok, int BadGateway, long BytesReceived, int PostsOk);

    private static async Task<BalancerFixture> StartAsync()
    {
        var closed = FreePort();
        return await BalancerFixture.StartAsync(2, (c, _, _) =>
        {
            // A destination nobody listens on and no health check: every request sent there is a failed connect.
            ConfigJson.Cluster(c)["Destinations"]!["dead"] = new JsonObject { ["Address"] = $"http://127.0.0.1:{closed}" };
            c["Balancer"]!["Limits"] = new JsonObject { ["ConnectRetries"] = 0 };
        });
    }

    private static async Task<Sent> SendKnownTrafficAsync(BalancerFixture f)
    {
        var results = new List<(HttpStatusCode Status, long Bytes, bool Post)>();
        var gate = new SemaphoreSlim(6);
        var tasks = Enumerable.Range(0, Gets + Posts).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var post = i >= Gets;
                using var response = post
                    ? await f.Client.PostAsync(f.Front + "/echo", new ByteArrayContent(new byte[PostBytes]))
                    : await f.Client.GetAsync(f.Front + $"/delay/{DelayMs}");
                var body = await response.Content.ReadAsByteArrayAsync();
                lock (results)
                {
                    results.Add((response.StatusCode, body.Length, post));
                }
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks);
        Assert.All(results, r => Assert.True(r.Status is HttpStatusCode.OK or HttpStatusCode.BadGateway, r.Status.ToString()));
        return new Sent(results.Count(r => r.Status == HttpStatusCode.OK), results.Count(r => r.Status == HttpStatusCode.BadGateway),
            results.Sum(r => r.Bytes), results.Count(r => r.Post && r.Status == HttpStatusCode.OK));
    }

    private static async Task<JsonObject> WaitForTotalsAsync(BalancerFixture f, int total)
    {
        JsonObject? pool = null;
        await Poll.UntilAsync(async () =>
        {
            var status = await f.Client.GetFromJsonAsync<JsonObject>(f.Host.AdminUrl + "/api/status");
            pool = (JsonObject)status!["pools"]!.AsArray().Single(p => (string?)p!["name"] == "web")!;
            // Two samples after the last request, so the rates' window has seen it end.
            return (long?)pool["traffic"]?["requests"] == total && pool["traffic"]!["history"]!["requests"]!.AsArray().Count >= 2;
        }, TimeSpan.FromSeconds(10), $"the pool's sampled total to reach {total}");
        return pool!;
    }

    [Fact]
    public async Task ApiStatus_KnownTraffic_TotalsRatesAndPercentilesMatch()
    {
        await using var f = await StartAsync();
        var sent = await SendKnownTrafficAsync(f);
        var pool = await WaitForTotalsAsync(f, Gets + Posts);
        output.WriteLine(pool.ToJsonString());

        var t = pool["traffic"]!;
        var backends = pool["backends"]!.AsArray().ToDictionary(b => (string)b!["id"]!, b => b!["traffic"]!);
        var dead = backends["dead"];
        Assert.Equal(Gets + Posts, sent.Ok + sent.BadGateway);
        Assert.True(sent.BadGateway > 0, "round robin over three destinations sent nothing to the dead one");
        Assert.Equal(Gets + Posts, backends.Values.Sum(b => (long)b["requests"]!));
        Assert.Equal(sent.BadGateway, (long)dead["connectFailures"]!);
        Assert.Equal(sent.BadGateway, (long)dead["errors5xx"]!);
        Assert.Equal(sent.BadGateway, (long)t["errors5xx"]!);
        Assert.Equal(sent.BadGateway, (long)t["connectFailures"]!);
        Assert.Equal(0, (long)backends["d0"]["errors5xx"]!);
        Assert.Equal((long)sent.PostsOk * PostBytes, (long)t["bytesIn"]!);
        Assert.Equal(sent.BytesReceived, (long)t["bytesOut"]!);
        Assert.Equal(sent.BytesReceived, backends.Values.Sum(b => (long)b["bytesOut"]!));
        // Rates: the per-second samples add up to the totals (each sample is a delta over about one second).
        var history = t["history"]!;
        // Each sample divides its delta by its real length, and this sum counts every sample as 1 s. On a loaded machine a
        // timer callback runs late (a 2 s sample halves its share) and the next one early (a 0.5 s sample doubles it);
        // this traffic spans only a few samples, so one late tick moves the sum by a third (seen: below 0.7x in a
        // parallel test run). The bounds still catch a rate in the wrong unit (per millisecond, or a total instead of a
        // rate); the exact totals are asserted above.
        Assert.InRange(Integral(history["requests"]!), (Gets + Posts) * 0.4, (Gets + Posts) * 2.0);
        Assert.InRange(Integral(history["bytesOut"]!), sent.BytesReceived * 0.4, sent.BytesReceived * 2.0);
        Assert.True((double)t["requestRate"]! > 0);
        // Percentiles, in ms: about half the requests waited DelayMs at a backend (bucket bounds are at most 19% high;
        // the upper bound only says "milliseconds, not microseconds" on a loaded machine).
        var p50 = (double)t["p50Ms"]!;
        var p99 = (double)t["p99Ms"]!;
        Assert.InRange(p99, DelayMs, 50.0 * DelayMs);
        Assert.InRange(p50, 0.001, p99);
        Assert.InRange((double)backends["d0"]["p99Ms"]!, DelayMs, 50.0 * DelayMs);
        Assert.Null(backends["d0"]["activeFlows"]);
        Assert.True(history["requests"]!.AsArray().Count <= 300);
    }

    [SkippableFact]
    public async Task StatusPage_KnownTraffic_ShowsTheNumbersSparklinesAndSorts()
    {
        var chromium = HeadlessChromium.RequireOrSkip();
        await using var f = await StartAsync();
        var sent = await SendKnownTrafficAsync(f);
        var pool = await WaitForTotalsAsync(f, Gets + Posts);
        var expected = pool["backends"]!.AsArray().ToDictionary(b => (string)b!["id"]!, b => (long)b!["traffic"]!["requests"]!);

        var dom = await chromium.DumpDomAsync(f.Host.AdminUrl + "/#sort=requests:desc", PageTime, ChromiumLimit);
        var body = BodyTag().Match(dom).Value;
        // Only the rendered tables: the page's script holds the same markup as templates.
        var html = dom[dom.IndexOf("<main id=\"pools\">", StringComparison.Ordinal)..dom.IndexOf("</main>", StringComparison.Ordinal)];

        Assert.Contains("data-sort=\"requests:desc\"", body);
        var rows = BackendRow().Matches(html).Select(m => (Id: m.Groups[1].Value, Cells: Cells(m.Groups[2].Value), Html: m.Groups[2].Value)).ToList();
        Assert.Equal(3, rows.Count);
        foreach (var (id, cells, _) in rows)
        {
            output.WriteLine($"{id}: {string.Join(", ", cells.Select(c => $"{c.Key}={c.Value}"))}");
            Assert.Equal(expected[id].ToString(System.Globalization.CultureInfo.InvariantCulture), cells["requests"]);
        }
        Assert.Equal(rows.Select(r => long.Parse(r.Cells["requests"], System.Globalization.CultureInfo.InvariantCulture)).OrderByDescending(x => x), rows.Select(r => long.Parse(r.Cells["requests"], System.Globalization.CultureInfo.InvariantCulture)));
        var dead = rows.Single(r => r.Id == "dead").Cells;
        // Rates depend on when Chromium got to the page (the window is 10 s); the totals under them do not.
        var deadRow = rows.Single(r => r.Id == "dead").Html;
        Assert.Matches($@"data-field=""connect-fail-rate""[^>]*>[^<]*<span class=""sub"">{sent.BadGateway} total</span>", deadRow);
        Assert.Matches($@"data-field=""errors-rate""[^>]*>[^<]*<span class=""sub"">{sent.BadGateway} total</span>", deadRow);
        var total = Cells(PoolTotal().Match(html).Groups[1].Value);
        Assert.Equal((Gets + Posts).ToString(System.Globalization.CultureInfo.InvariantCulture), total["requests"]);
        Assert.Equal(sent.BytesReceived.ToString(System.Globalization.CultureInfo.InvariantCulture), total["bytes-out"]);
        Assert.Equal(((long)sent.PostsOk * PostBytes).ToString(System.Globalization.CultureInfo.InvariantCulture), total["bytes-in"]);
        Assert.InRange(double.Parse(total["p99"], System.Globalization.CultureInfo.InvariantCulture), DelayMs, 50.0 * DelayMs);
        Assert.True(Spark().Matches(html).Count >= 3 * 6, "every backend row shows its sparklines");
        Assert.Contains("aria-sort=\"descending\"", html);
    }

    private static double Integral(JsonNode values) => values.AsArray().Sum(v => (double)v!) * 1.0;

    private static Dictionary<string, string> Cells(string row) =>
        TrafficCell().Matches(row).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [GeneratedRegex("<body([^>]*)>")]
    private static partial Regex BodyTag();

    [GeneratedRegex("""<tr class="backend[^"]*"[^>]*data-backend="([^"]*)"[^>]*>(.*?)</tr>""", RegexOptions.Singleline)]
    private static partial Regex BackendRow();

    [GeneratedRegex("""<tr class="pool-total"[^>]*>(.*?)</tr>""", RegexOptions.Singleline)]
    private static partial Regex PoolTotal();

    [GeneratedRegex("""<td class="num traffic[^"]*" data-field="([a-z0-9-]+)" data-value="([^"]*)">""")]
    private static partial Regex TrafficCell();

    [GeneratedRegex(""""<svg class="spark"[^>]*data-points="(\d+)"""")]
    private static partial Regex Spark();
}
