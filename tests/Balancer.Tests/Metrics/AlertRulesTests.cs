using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.Metrics;

/// <summary>The shipped alerting rules (<c>configs/alerts.yml</c>) pass Prometheus' own checks and unit tests, and the example Prometheus config loads them.</summary>
public sealed class AlertRulesTests(ITestOutputHelper output)
{
    private const string Missing = "promtool not installed (Debian package 'prometheus'; tests/run.sh installs it when run as root)";

    [SkippableFact]
    public async Task CheckRules_ShippedAlerts_Valid()
    {
        var promtool = ExternalTool.Find("promtool");
        Skip.If(promtool is null, Missing);

        var (exit, stdout, stderr) = await ExternalTool.RunAsync(promtool!, "", TimeSpan.FromSeconds(30), "check", "rules", RepoFiles.Path("configs/alerts.yml"));

        output.WriteLine(stdout + stderr);
        Assert.Equal(0, exit);
        Assert.Contains("SUCCESS: 10 rules found", stdout + stderr);
    }

    [SkippableFact]
    public async Task TestRules_EveryRuleFiresAndStaysQuietWhereItShould()
    {
        var promtool = ExternalTool.Find("promtool");
        Skip.If(promtool is null, Missing);
        var tests = RepoFiles.Path("tests/Balancer.Tests/Metrics/alerts.test.yml");
        var rules = File.ReadAllText(RepoFiles.Path("configs/alerts.yml"));
        var testText = File.ReadAllText(tests);

        var (exit, stdout, stderr) = await ExternalTool.RunAsync(promtool!, "", TimeSpan.FromSeconds(60), "test", "rules", tests);

        output.WriteLine(stdout + stderr);
        Assert.Equal(0, exit);
        Assert.Contains("SUCCESS", stdout + stderr);
        // Every rule of the file is exercised by the tests, with a firing case (an expected alert of that name).
        var names = rules.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("- alert: ", StringComparison.Ordinal)).Select(l => l[9..]).ToList();
        Assert.Equal(10, names.Count);
        Assert.All(names, n => Assert.Contains($"alertname: {n}", testText));
    }

    [SkippableFact]
    public async Task CheckConfig_PrometheusYmlLoadsTheRules()
    {
        var promtool = ExternalTool.Find("promtool");
        Skip.If(promtool is null, Missing);

        var (exit, stdout, stderr) = await ExternalTool.RunAsync(promtool!, "", TimeSpan.FromSeconds(30), "check", "config", RepoFiles.Path("configs/prometheus.yml"));

        output.WriteLine(stdout + stderr);
        Assert.Equal(0, exit);
        Assert.Contains("alerts.yml", stdout + stderr);
        Assert.Contains("SUCCESS: 10 rules found", stdout + stderr);
    }
}
