using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using LoadBalancer.Health.Probes;
using Microsoft.Extensions.Time.Testing;

namespace LoadBalancer.Health.Tests;

public sealed class HealthMonitorTests : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly HealthProbeRegistry _registry = new();
    private readonly HealthMonitor _monitor;
    private readonly Channel<(HealthTarget Target, TimeSpan Delay)> _scheduled = Channel.CreateUnbounded<(HealthTarget, TimeSpan)>();
    private readonly ConcurrentQueue<HealthTransition> _transitions = new();

    public HealthMonitorTests()
    {
        _monitor = new HealthMonitor(_registry, _time, random: new Random(42));
        _monitor.CheckScheduled += (target, delay) => _scheduled.Writer.TryWrite((target, delay));
        _monitor.Transition += _transitions.Enqueue;
    }

    public async ValueTask DisposeAsync()
    {
        await _monitor.DisposeAsync();
        _registry.Dispose();
    }

    [Fact]
    public async Task Start_FailThenPass_TransitionsAtExactCountsWithFastIntervalInTransition()
    {
        var script = new Queue<bool>([false, false, false, true, true, true]);
        _registry.Register(new ScriptedProbe("scripted", (_, _) => FromBool(Next(script))));
        _monitor.UpdateTargets([Target("b1", Options("scripted"))]);
        _monitor.Start();

        var delays = new List<TimeSpan>();
        for (var i = 0; i < 7; i++)
        {
            var (_, delay) = await NextScheduledAsync();
            delays.Add(delay);
            if (i < 6)
            {
                _time.Advance(delay);
            }
        }

        // First check at once; fast (1s) while Unknown or while the streak disagrees with the state; 5s once settled.
        Assert.Equal([0, 1, 1, 5, 1, 5, 5], delays.Select(d => d.TotalSeconds));
        var transitions = _transitions.ToArray();
        Assert.Equal(2, transitions.Length);
        Assert.Equal((HealthState.Unknown, HealthState.Unhealthy), (transitions[0].From, transitions[0].To));
        Assert.Equal(_time.Start.AddSeconds(2), transitions[0].At);
        Assert.Contains("3 consecutive failures", transitions[0].Reason, StringComparison.Ordinal);
        Assert.Equal((HealthState.Unhealthy, HealthState.Healthy), (transitions[1].From, transitions[1].To));
        Assert.Equal(_time.Start.AddSeconds(8), transitions[1].At);
        var status = Assert.Single(_monitor.Snapshot);
        Assert.Equal(HealthState.Healthy, status.State);
        Assert.Equal(3, status.Successes);
    }

    [Fact]
    public async Task Check_ProbeIgnoresTokenAndHangs_CountsAsTimeoutAtDeadline()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _registry.Register(new ScriptedProbe("hang", (_, _) =>
        {
            started.TrySetResult();
            return new ValueTask<ProbeResult>(new TaskCompletionSource<ProbeResult>().Task);
        }));
        _monitor.UpdateTargets([Target("b1", Options("hang") with { Fall = 1, Timeout = TimeSpan.FromSeconds(2) })]);
        _monitor.Start();
        await NextScheduledAsync();
        await started.Task.WaitAsync(Wait);

        _time.Advance(TimeSpan.FromSeconds(2));
        await NextScheduledAsync();

        var transition = Assert.Single(_transitions);
        Assert.Equal(HealthState.Unhealthy, transition.To);
        Assert.Contains("Timeout: no answer within 2s", transition.Reason, StringComparison.Ordinal);
        Assert.Equal(ProbeReason.Timeout, Assert.Single(_monitor.Snapshot).LastResult!.Value.Reason);
    }

    [Fact]
    public async Task Check_BrokenProbesInOtherPools_DoNotStopHealthyPool()
    {
        _registry.Register(new ScriptedProbe("throws", (_, _) => throw new InvalidOperationException("probe bug")));
        _registry.Register(new ScriptedProbe("ok", (_, _) => ValueTask.FromResult(ScriptedProbe.Pass)));
        _monitor.UpdateTargets(
        [
            Target("b1", Options("throws") with { Fall = 1 }, pool: "broken"),
            Target("b2", Options("datapath") with { Fall = 1 }, pool: "unregistered"),
            Target("b3", Options("ok") with { Rise = 1 }, pool: "good"),
        ]);
        _monitor.Start();

        while (_transitions.Count < 3)
        {
            await NextScheduledAsync();
        }

        var byPool = _transitions.ToDictionary(t => t.PoolName);
        Assert.Equal(3, byPool.Count);
        Assert.Equal(HealthState.Healthy, byPool["good"].To);
        Assert.Equal(HealthState.Unhealthy, byPool["broken"].To);
        Assert.Contains("threw InvalidOperationException: probe bug", byPool["broken"].Reason, StringComparison.Ordinal);
        Assert.Contains("probe 'datapath' is not registered", byPool["unregistered"].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateTargets_UnchangedAndOptionsOnly_KeepStateNewAndMovedStartUnknown()
    {
        var probe = new ScriptedProbe("ok", (_, _) => ValueTask.FromResult(ScriptedProbe.Pass));
        _registry.Register(probe);
        var a = Target("a", Options("ok") with { Rise = 1 });
        var b = Target("b", Options("ok") with { Rise = 1 });
        var c = Target("c", Options("ok") with { Rise = 1 });
        _monitor.UpdateTargets([a, b, c]);
        _monitor.Start();
        while (_transitions.Count < 3)
        {
            await NextScheduledAsync();
        }

        var rise3 = Options("ok") with { Rise = 3 };
        _monitor.UpdateTargets(
        [
            a,
            b with { Options = rise3 },
            c with { Address = IPAddress.Parse("127.0.0.9"), Options = rise3 },
            Target("d", rise3),
        ]);

        var states = _monitor.Snapshot.ToDictionary(s => s.BackendId, s => s.State);
        Assert.Equal(HealthState.Healthy, states["a"]);
        Assert.Equal(HealthState.Healthy, states["b"]);
        Assert.Equal(HealthState.Unknown, states["c"]);
        Assert.Equal(HealthState.Unknown, states["d"]);
        Assert.Equal(3, _transitions.Count);
    }

    [Fact]
    public async Task UpdateTargets_RemovedTarget_StopsChecking()
    {
        var probe = new ScriptedProbe("ok", (_, _) => ValueTask.FromResult(ScriptedProbe.Pass));
        _registry.Register(probe);
        _monitor.UpdateTargets([Target("a", Options("ok"))]);
        _monitor.Start();
        await NextScheduledAsync();
        await NextScheduledAsync();
        var calls = probe.Calls;

        _monitor.UpdateTargets([]);
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Empty(_monitor.Snapshot);
        Assert.Equal(1, calls);
        Assert.Equal(calls, probe.Calls);
    }

    [Fact]
    public void UpdateTargets_DuplicateBackend_Throws()
    {
        Assert.Throws<ArgumentException>(() => _monitor.UpdateTargets([Target("a", Options("ok")), Target("a", Options("ok"))]));
    }

    private static bool Next(Queue<bool> script) => script.Count > 0 && script.Dequeue();

    private static HealthCheckOptions Options(string probe) => new()
    {
        Probe = probe,
        Interval = TimeSpan.FromSeconds(5),
        FastInterval = TimeSpan.FromSeconds(1),
        Timeout = TimeSpan.FromSeconds(1),
        Rise = 2,
        Fall = 3,
        Jitter = 0,
    };

    private static HealthTarget Target(string backend, HealthCheckOptions options, string pool = "web") =>
        new(pool, backend, IPAddress.Loopback, 80, options);

    private static ValueTask<ProbeResult> FromBool(bool pass) => ValueTask.FromResult(pass ? ScriptedProbe.Pass : ScriptedProbe.Fail);

    private async Task<(HealthTarget Target, TimeSpan Delay)> NextScheduledAsync()
    {
        using var cts = new CancellationTokenSource(Wait);
        return await _scheduled.Reader.ReadAsync(cts.Token);
    }
}
