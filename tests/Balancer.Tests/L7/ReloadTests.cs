using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.L7;

/// <summary>Config reload through the file watcher: a good file is applied atomically, a bad one is rejected and the running config stays.</summary>
public sealed class ReloadTests
{
    private static async Task<ConfigLoadResult> WriteAndWaitAsync(BalancerFixture f, string text)
    {
        var done = new TaskCompletionSource<ConfigLoadResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Host.Reloaded += r => done.TrySetResult(r);
        await f.WriteConfigAsync(text);
        return await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Reload_GoodFile_AppliesNewDestinations()
    {
        await using var f = await BalancerFixture.StartAsync(3);
        var next = ConfigJson.Basic([f.Backends[2].Url]);

        var result = await WriteAndWaitAsync(f, ConfigJson.Text(next));
        var counts = await f.SpreadAsync(9);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(9, counts["b2"]);
        Assert.Equal(1, f.Host.Metrics.ConfigReloads.WithLabels("ok").Value);
        Assert.Equal(0, f.Host.Metrics.ConfigReloads.WithLabels("failed").Value);
    }

    [Fact]
    public async Task Reload_FileWrittenInTwoSteps_AppliedOnceWithoutAFailedReload()
    {
        await using var f = await BalancerFixture.StartAsync(3);
        byte[] text = System.Text.Encoding.UTF8.GetBytes(ConfigJson.Text(ConfigJson.Basic([f.Backends[2].Url])));
        var deferred = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = new TaskCompletionSource<ConfigLoadResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Host.ReloadDeferred += _ => deferred.TrySetResult();
        f.Host.Reloaded += r => done.TrySetResult(r);

        // An editor that truncates, writes part of the file, pauses, then writes the rest.
        await using (var stream = new FileStream(f.ConfigPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite))
        {
            await stream.WriteAsync(text.AsMemory(0, text.Length / 2));
            await stream.FlushAsync();
            // The watcher has read the half-written file (and must not count it as a failed reload).
            await deferred.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await stream.WriteAsync(text.AsMemory(text.Length / 2));
        }
        var result = await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var counts = await f.SpreadAsync(9);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(9, counts["b2"]);
        Assert.Equal(1, f.Host.Metrics.ConfigReloads.WithLabels("ok").Value);
        Assert.Equal(0, f.Host.Metrics.ConfigReloads.WithLabels("failed").Value);
    }

    [Fact]
    public async Task Reload_BadFile_KeepsRunningConfig()
    {
        await using var f = await BalancerFixture.StartAsync(3);
        var bad = ConfigJson.Basic(["htp://nowhere"]);

        var result = await WriteAndWaitAsync(f, ConfigJson.Text(bad));
        var counts = await f.SpreadAsync(9);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path == "ReverseProxy:Clusters:web:Destinations:d0:Address" && e.Value == "htp://nowhere");
        Assert.Equal(3, counts.Count);
        Assert.Equal(1, f.Host.Metrics.ConfigReloads.WithLabels("failed").Value);
        Assert.Equal(0, f.Host.Metrics.ConfigReloads.WithLabels("ok").Value);
    }

    [Fact]
    public async Task Reload_InFlightRequest_CompletesOnOldDestination()
    {
        await using var f = await BalancerFixture.StartAsync(2);
        var slow = f.Client.GetAsync(f.Front + "/delay/1500");
        // In flight at b0 (round robin's first pick) before the reload, however slow the machine.
        await LoadBalancer.TestSupport.Poll.UntilAsync(() => f.Backends[0].Requests == 1, TimeSpan.FromSeconds(10), "the slow request at b0");

        var result = await WriteAndWaitAsync(f, ConfigJson.Text(ConfigJson.Basic([f.Backends[1].Url])));
        using var r = await slow;

        Assert.True(result.IsValid);
        Assert.Equal(System.Net.HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("b0", r.Headers.GetValues("X-Backend").Single());
    }

    [Fact]
    public async Task Reload_ExplicitCall_ReportsErrorsWithoutWatcher()
    {
        await using var f = await BalancerFixture.StartAsync(1);
        var broken = ConfigJson.Basic([f.Backends[0].Url]);
        ((JsonObject)broken["Balancer"]!)["Limits"] = new JsonObject { ["MaxRequestBodySize"] = 0 };
        await f.WriteConfigAsync(ConfigJson.Text(broken));

        var result = await f.Host.ReloadAsync();

        Assert.Contains(result.Errors, e => e.Path == "Balancer:Limits:MaxRequestBodySize");
        Assert.Equal(1, (await f.SpreadAsync(1))["b0"]);
    }
}
