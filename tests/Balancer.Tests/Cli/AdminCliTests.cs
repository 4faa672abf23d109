using LoadBalancer.Balancer.Cli;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Health;

namespace LoadBalancer.Balancer.Tests.Cli;

/// <summary>`balancer admin ...` against a running balancer's admin API.</summary>
public sealed class AdminCliTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AdminCommands_ChangeStateAndReportErrors()
    {
        const string token = "cli-test-token-0123456789";
        await using var f = await BalancerFixture.StartAsync(2, (c, _, _) => c["Balancer"]!["Admin"]!["Token"] = token);

        var drain = await BalancerProcess.RunAsync(Limit, "admin", "drain", "web", "d0", "--admin", f.Host.AdminUrl, "--token", token);
        var weight = await BalancerProcess.RunAsync(Limit, "admin", "weight", "web", "d1", "7", "--admin", f.Host.AdminUrl, "--token", token);
        var status = await BalancerProcess.RunAsync(Limit, "admin", "status", "--admin", f.Host.AdminUrl, "--token", token);
        var missing = await BalancerProcess.RunAsync(Limit, "admin", "maint", "web", "nope", "--admin", f.Host.AdminUrl, "--token", token);
        var noToken = await BalancerProcess.RunAsync(Limit, "admin", "ready", "web", "d0", "--admin", f.Host.AdminUrl);
        var unreachable = await BalancerProcess.RunAsync(Limit, "admin", "status", "--admin", "http://127.0.0.1:1");

        Assert.Equal(ExitCodes.Ok, drain.ExitCode);
        Assert.Equal(ExitCodes.Ok, weight.ExitCode);
        var pool = f.Host.Control.Store.Current.GetPool("web");
        Assert.Equal(AdminState.Drain, pool.Single(b => b.BackendId == "d0").AdminState);
        Assert.Equal(7, pool.Single(b => b.BackendId == "d1").AdminWeight);
        Assert.Equal(ExitCodes.Ok, status.ExitCode);
        Assert.Contains("\"admin\": \"Drain\"", status.Stdout);
        Assert.Equal(ExitCodes.BadInput, missing.ExitCode);
        Assert.Contains("no backend 'nope' in pool 'web'", missing.Stderr);
        Assert.Equal(ExitCodes.BadInput, noToken.ExitCode);
        Assert.Contains("401", noToken.Stderr);
        Assert.Equal(AdminState.Drain, f.Host.Control.Store.Current.GetPool("web").Single(b => b.BackendId == "d0").AdminState);
        Assert.Equal(ExitCodes.RuntimeFailure, unreachable.ExitCode);
    }
}
