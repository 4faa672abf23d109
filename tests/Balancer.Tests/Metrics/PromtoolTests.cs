using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Health;
using Xunit.Abstractions;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.Metrics;

/// <summary>Prometheus' own linter (<c>promtool check metrics</c>) finds nothing wrong in a real scrape, and the example scrape config is valid.</summary>
public sealed class PromtoolTests(ITestOutputHelper output)
{
    private const string Missing = "promtool not installed (Debian package 'prometheus'; tests/run.sh installs it when run as root)";

    [SkippableFact]
    public async Task CheckMetrics_ScrapeWithEveryKindOfSeries_NoProblems()
    {
        var promtool = ExternalTool.Find("promtool");
        Skip.If(promtool is null, Missing);
        await using var f = await BalancerFixture.StartAsync(3, (c, backends, _) => LargeConfig.Shape(c, backends, 2, 3));
        await Poll.UntilAsync(
            () => f.Host.Control.Store.Current.Pools.Values.All(p => p.All(b => b.Health == HealthState.Healthy)), TimeSpan.FromSeconds(15), "all healthy");
        for (var i = 0; i < 20; i++)
        {
            using var r = await f.Client.GetAsync($"{f.Front}/c{i % 2}/x");
        }
        using (var unrouted = await f.Client.GetAsync($"{f.Front}/nowhere"))
        {
        }
        using (var drain = await f.Client.PostAsync(f.Host.AdminUrl + "/api/pools/c0/backends/d0/drain", null))
        {
        }
        var text = await f.Client.GetStringAsync(f.Host.AdminUrl + "/metrics");

        var (exit, stdout, stderr) = await ExternalTool.RunAsync(promtool!, text, TimeSpan.FromSeconds(30), "check", "metrics");

        output.WriteLine($"promtool check metrics: exit {exit}\n{stdout}{stderr}");
        Assert.Contains("lb_backend_admin_state{", text);
        Assert.Contains("lb_http_requests_total{", text);
        Assert.Equal("", stdout + stderr);
        Assert.Equal(0, exit);
    }

    [SkippableFact]
    public async Task CheckConfig_ExamplePrometheusYml_Valid()
    {
        var promtool = ExternalTool.Find("promtool");
        Skip.If(promtool is null, Missing);

        var (exit, stdout, stderr) = await ExternalTool.RunAsync(promtool!, "", TimeSpan.FromSeconds(30), "check", "config", RepoFiles.Path("configs/prometheus.yml"));

        output.WriteLine(stdout + stderr);
        Assert.Equal(0, exit);
        Assert.Contains("SUCCESS", stdout + stderr);
    }
}
