using System.Text.Json;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Tests.Readme;

/// <summary>
/// Every metric of the README's Metrics table is in a real scrape, with the type the table gives: the real
/// <c>balancer run</c> in a full-NAT lab (the shipped <c>configs/l4-fullnat.json</c>, plus an L7 front with a dead
/// destination and a backend that fails its check, so the error and failure counters have children), one L4 and one L7
/// request, one reload, then <c>GET /metrics</c>.
/// </summary>
[Collection(ReadmeCollection.Name)]
public sealed class MetricsTableTests
{
    [SkippableFact]
    public async Task EveryMetricInTheTable_IsInARealScrapeWithItsType()
    {
        var table = ReadmeTables.Rows(ReadmeDocument.Load(), "## Metrics")
            .SelectMany(row => row[0].Split(", ").Select(name => (Name: name.Trim().Replace("\\*", "*", StringComparison.Ordinal), Type: row[1])))
            .ToList();
        Assert.True(table.Count > 25, $"only {table.Count} metrics parsed from the table");
        ReadmeLab.SkipUnlessLabCanRun();

        using var dir = new TempDir();
        var config = JsonNode.Parse(
            File.ReadAllText(Path.Combine(ReadmeDocument.RepoRoot, "configs/l4-fullnat.json")),
            documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();
        config["Balancer"]!["Listeners"] = new JsonArray(new JsonObject { ["Url"] = "http://127.0.0.1:8080" });
        config["ReverseProxy"] = JsonNode.Parse("""
            { "Routes": { "all": { "ClusterId": "dead", "Match": { "Path": "{**catch-all}" } } },
              "Clusters": { "dead": { "Destinations": { "d1": { "Address": "http://127.0.0.1:1/" } } } } }
            """);
        config["L4"]!["Services"]!["web"]!["Backends"]!["b3"] = new JsonObject { ["Address"] = "10.200.0.13" };
        // A rate-limited route, so lb_http_rate_limited_total has its series.
        config["Balancer"]!["RateLimiting"] = JsonNode.Parse("""{ "Policies": { "p": { "Kind": "Concurrency", "PermitLimit": 100 } } }""");
        config["ReverseProxy"]!["Routes"]!["all"]!["RateLimiterPolicy"] = "p";
        var path = dir.File("balancer.json", config.ToJsonString());

        var lab = new LabTopology(new LabOptions($"lbrd{Environment.ProcessId}m", 2, LabMode.FullNat) { StateDirectory = Path.Combine(dir.Path, "lab") });
        try
        {
            lab.Up();
            string lb = lab.Layout.Balancer.Namespace;
            using var balancer = ShellProcess.Start($"exec dotnet {BalancerProcess.DllPath} run --config {path}\n", lb);
            await balancer.WaitForLineAsync(l => l.StartsWith("balancer running:", StringComparison.Ordinal), TimeSpan.FromMinutes(1));

            await Until(() => Curl(lab.Layout.Client.Namespace, $"http://{lab.Layout.Vip}/") is "b1\n" or "b2\n", "an answer through the VIP", balancer);
            Assert.Equal("502", Curl(lb, "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:8080/"));
            Assert.True(ProcessRunner.Run("ip", ["netns", "exec", lb, "dotnet", BalancerProcess.DllPath, "admin", "reload"]).Ok);

            var missing = new List<string>();
            await Until(() =>
            {
                var scrape = Curl(lb, "http://127.0.0.1:9100/metrics");
                missing = table.Where(m => !Exported(scrape, m.Name, m.Type)).Select(m => $"{m.Name} ({m.Type})").ToList();
                return missing.Count == 0;
            }, "every metric of the table", balancer, () => string.Join(", ", missing));
        }
        finally
        {
            lab.Down();
        }
    }

    private static bool Exported(string scrape, string name, string type)
    {
        var lines = scrape.Split('\n');
        if (name.EndsWith('*'))
        {
            return lines.Any(l => l.StartsWith(name[..^1], StringComparison.Ordinal));
        }
        var sample = type == "histogram" ? name + "_bucket" : name;
        return lines.Contains($"# TYPE {name} {type}")
            && lines.Any(l => l.StartsWith(sample + "{", StringComparison.Ordinal) || l.StartsWith(sample + " ", StringComparison.Ordinal));
    }

    private static string Curl(string ns, params string[] args)
    {
        var r = ProcessRunner.Run("ip", ["netns", "exec", ns, "curl", "-s", "-m", "15", .. args]);
        return r.StdOut;
    }

    private static async Task Until(Func<bool> condition, string what, ShellProcess balancer, Func<string>? detail = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"no {what} within 60 s: {detail?.Invoke()}\nbalancer:\n{balancer.Output}");
            await Task.Delay(200);
        }
    }
}
