using System.Threading.Channels;
using LoadBalancer.Health.Probes;
using LoadBalancer.Health.Tests.Probes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace LoadBalancer.Health.Tests;

public sealed class HealthPipelineTests
{
    [Fact]
    public async Task MonitorToStore_RealHttpBackendFlipsTo503_SnapshotFollows()
    {
        var status = StatusCodes.Status200OK;
        await using var server = await TestServer.StartAsync(app => app.MapGet("/healthz", () => Results.StatusCode(Volatile.Read(ref status))));
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var registry = HealthProbeRegistry.CreateDefault();
        using var store = new BackendStateStore(time);
        await using var monitor = new HealthMonitor(registry, time, random: new Random(1));
        var scheduled = Channel.CreateUnbounded<TimeSpan>();
        monitor.CheckScheduled += (_, delay) => scheduled.Writer.TryWrite(delay);
        monitor.Transition += store.ApplyTransition;
        var options = new HealthCheckOptions { Probe = "http", Path = "/healthz", Rise = 1, Fall = 1, Jitter = 0, Interval = TimeSpan.FromSeconds(5) };
        Assert.Empty(options.Validate("Health"));

        store.ApplyConfig([new PoolStateConfig("web", true, TimeSpan.Zero, [new BackendStateConfig("b1", server.EndPoint.ToString(), 7)])]);
        monitor.UpdateTargets([new HealthTarget("web", "b1", server.EndPoint.Address, server.EndPoint.Port, options)]);
        var beforeChecks = Weights(store.Current, "web");
        monitor.Start();
        await NextAsync(scheduled);
        var delay = await NextAsync(scheduled);
        var afterPass = Weights(store.Current, "web");

        Volatile.Write(ref status, StatusCodes.Status503ServiceUnavailable);
        time.Advance(delay);
        await NextAsync(scheduled);
        var down = store.Current.GetPool("web")[0];

        Assert.Equal([("b1", 0)], beforeChecks);
        Assert.Equal([("b1", 7)], afterPass);
        Assert.Equal(HealthState.Unhealthy, down.Health);
        Assert.False(down.AcceptsNewFlows);
        Assert.Contains("BadStatus: status 503", down.LastTransition!.Value.Reason, StringComparison.Ordinal);
    }

    // What a selector is built from: backend id and effective weight (0 = no new flows), in config order.
    private static (string Id, int Weight)[] Weights(HealthSnapshot snapshot, string pool) =>
        snapshot.GetPool(pool).Select(b => (b.BackendId, b.EffectiveWeight)).ToArray();

    private static async Task<TimeSpan> NextAsync(Channel<TimeSpan> channel)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await channel.Reader.ReadAsync(cts.Token);
    }
}
