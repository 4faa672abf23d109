using LoadBalancer.Health.Probes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoadBalancer.Health;

/// <summary>Runs active checks for a set of backends on an injected clock and raises <see cref="Transition"/> when one changes state.</summary>
/// <remarks>
/// Each target has its own loop: probe, record, wait (fast interval while a change is pending), with jitter.
/// A probe that throws, hangs past its timeout or is not registered counts as a failed check; nothing stops the other targets.
/// </remarks>
public sealed partial class HealthMonitor : IAsyncDisposable
{
    private readonly IHealthProbeFactory _probes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _retiredLoops = [];
    private Dictionary<(string Pool, string Backend), HealthTargetRunner> _runners = [];
    private bool _started;

    /// <summary>Creates a stopped monitor with no targets.</summary>
    /// <param name="probes">Where probes are found by name (usually <see cref="HealthProbeRegistry.CreateDefault"/>).</param>
    /// <param name="timeProvider">Clock for intervals, timeouts and timestamps.</param>
    /// <param name="logger">Where transitions are logged; null logs nothing.</param>
    /// <param name="random">Source of jitter; null uses <see cref="Random.Shared"/>.</param>
    public HealthMonitor(IHealthProbeFactory probes, TimeProvider timeProvider, ILogger<HealthMonitor>? logger = null, Random? random = null)
    {
        _probes = probes ?? throw new ArgumentNullException(nameof(probes));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _random = random ?? Random.Shared;
    }

    /// <summary>Raised once per state change, on a check's thread; handlers must be quick and must not call <see cref="UpdateTargets"/>.</summary>
    public event Action<HealthTransition>? Transition;

    /// <summary>
    /// Raised after every check of a current target (not of a removed one), on the check's thread and before any <see cref="Transition"/> it causes;
    /// handlers must be quick (metrics); an exception in one is logged and never stops the checks.
    /// </summary>
    public event Action<HealthCheckCompleted>? CheckCompleted;

    /// <summary>Raised after each check has scheduled its next one (the delay); lets tests advance a fake clock exactly.</summary>
    internal event Action<HealthTarget, TimeSpan>? CheckScheduled;

    /// <summary>The current state of every target.</summary>
    public IReadOnlyList<BackendHealthStatus> Snapshot
    {
        get
        {
            Dictionary<(string Pool, string Backend), HealthTargetRunner> runners;
            lock (_gate)
            {
                runners = _runners;
            }

            var list = new List<BackendHealthStatus>(runners.Count);
            foreach (var runner in runners.Values)
            {
                lock (runner.Gate)
                {
                    var m = runner.Machine;
                    list.Add(new BackendHealthStatus(runner.Target.PoolName, runner.Target.BackendId, runner.Target.Options.Probe,
                        m.State, m.Successes, m.Failures, m.LastResult, runner.LastTransition));
                }
            }

            return list;
        }
    }

    /// <summary>Starts checking the current targets; later <see cref="UpdateTargets"/> calls start their new targets at once.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            if (_started)
            {
                return;
            }

            _started = true;
            foreach (var runner in _runners.Values)
            {
                StartLoop(runner);
            }
        }
    }

    /// <summary>
    /// Replaces the target set. Unchanged targets keep their loop and state; a target whose options changed but whose
    /// address and port did not keeps its state (streaks restart); a new or moved target starts Unknown; removed targets stop.
    /// </summary>
    /// <exception cref="ArgumentException">Two targets share a pool and backend id.</exception>
    public void UpdateTargets(IEnumerable<HealthTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var wanted = new Dictionary<(string Pool, string Backend), HealthTarget>();
        foreach (var target in targets)
        {
            if (!wanted.TryAdd((target.PoolName, target.BackendId), target))
            {
                throw new ArgumentException($"duplicate health target {target.PoolName}/{target.BackendId}", nameof(targets));
            }
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            var next = new Dictionary<(string Pool, string Backend), HealthTargetRunner>(wanted.Count);
            int added = 0, kept = 0, changed = 0;
            foreach (var (key, target) in wanted)
            {
                if (_runners.TryGetValue(key, out var old) && old.Target == target)
                {
                    next[key] = old;
                    kept++;
                    continue;
                }

                var initial = HealthState.Unknown;
                HealthTransition? lastTransition = null;
                if (old is not null)
                {
                    lock (old.Gate)
                    {
                        if (old.Target.Address.Equals(target.Address) && old.Target.Port == target.Port)
                        {
                            initial = old.Machine.State;
                            lastTransition = old.LastTransition;
                        }

                        // Retired in the same lock as the read, so no change of the old loop falls between it and its successor.
                        old.Retired = true;
                    }

                    changed++;
                }
                else
                {
                    added++;
                }

                var runner = new HealthTargetRunner(target, initial, lastTransition);
                next[key] = runner;
                if (_started)
                {
                    StartLoop(runner);
                }
            }

            var removed = 0;
            foreach (var (key, old) in _runners)
            {
                if (!next.TryGetValue(key, out var current) || !ReferenceEquals(current, old))
                {
                    Retire(old);
                    removed += next.ContainsKey(key) ? 0 : 1;
                }
            }

            _retiredLoops.RemoveAll(t => t.IsCompleted);
            _runners = next;
            Log.TargetsUpdated(_logger, added, changed, removed, kept);
        }
    }

    /// <summary>Stops every check loop and waits for them to finish (or for <paramref name="ct"/>).</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        List<Task> loops;
        lock (_gate)
        {
            _stopping.Cancel();
            loops = [.. _retiredLoops];
            foreach (var runner in _runners.Values)
            {
                Retire(runner);
            }

            loops.AddRange(_runners.Values.Select(r => r.Loop).OfType<Task>());
        }

        await Task.WhenAll(loops).WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Stops the monitor.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private void StartLoop(HealthTargetRunner runner)
    {
        var linked = CancellationTokenSource.CreateLinkedTokenSource(runner.Cancel.Token, _stopping.Token);
        runner.Loop = Task.Run(async () =>
        {
            using (linked)
            {
                await RunAsync(runner, linked.Token).ConfigureAwait(false);
            }
        });
    }

    private void Retire(HealthTargetRunner runner)
    {
        lock (runner.Gate)
        {
            runner.Retired = true;
        }

        runner.Cancel.Cancel();
        if (runner.Loop is { } loop)
        {
            _retiredLoops.Add(loop);
        }
    }

    private async Task RunAsync(HealthTargetRunner runner, CancellationToken ct)
    {
        var options = runner.Target.Options;
        var delay = ProbeSchedule.FirstDelay(options, _random);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var wait = Task.Delay(delay, _time, ct);
                CheckScheduled?.Invoke(runner.Target, delay);
                await wait.ConfigureAwait(false);

                var result = await ProbeOnceAsync(runner, ct).ConfigureAwait(false);
                if (ct.IsCancellationRequested)
                {
                    return;
                }

                delay = ProbeSchedule.NextDelay(options, Record(runner, result), _random);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A bug in one loop (or a throwing test hook) must not end this target's checks for good.
                Log.LoopFailed(_logger, runner.Target.PoolName, runner.Target.BackendId, ex);
                delay = options.Interval;
            }
        }
    }

    private async Task<ProbeResult> ProbeOnceAsync(HealthTargetRunner runner, CancellationToken ct)
    {
        var options = runner.Target.Options;
        var start = _time.GetTimestamp();
        if (!_probes.TryGetProbe(options.Probe, out var probe))
        {
            return ProbeResult.Fail(ProbeReason.Error, $"probe '{options.Probe}' is not registered", TimeSpan.Zero);
        }

        using var timeout = new CancellationTokenSource(options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            // WaitAsync bounds probes that ignore their token: the loop always moves on at the deadline.
            return await probe.ProbeAsync(runner.ProbeTarget, linked.Token).AsTask().WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            var elapsed = _time.GetElapsedTime(start);
            return ProbeResult.Fail(ProbeReason.Timeout, $"no answer within {DurationText.Format(options.Timeout)}", elapsed);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            return ProbeResult.Fail(ProbeReason.Error, $"probe '{probe.Name}' threw {ex.GetType().Name}: {ex.Message}", _time.GetElapsedTime(start));
        }
    }

    /// <summary>Records a result under the runner's lock; returns whether the target is now in transition.</summary>
    private bool Record(HealthTargetRunner runner, ProbeResult result)
    {
        lock (runner.Gate)
        {
            if (runner.Retired)
            {
                return false;
            }

            var target = runner.Target;
            if (!result.Success)
            {
                Log.CheckFailed(_logger, target.PoolName, target.BackendId, target.Options.Probe, result.Reason, result.Detail);
            }

            if (CheckCompleted is { } completed)
            {
                // Under the runner's lock, like Transition: a removed target's late result never recreates its metrics.
                try
                {
                    completed(new HealthCheckCompleted(target.PoolName, target.BackendId, result));
                }
                catch (Exception ex)
                {
                    Log.CheckHandlerFailed(_logger, target.PoolName, target.BackendId, ex);
                }
            }

            var transition = runner.Machine.Record(result, _time.GetUtcNow());
            if (transition is not null)
            {
                runner.LastTransition = transition;
                if (transition.To == HealthState.Healthy)
                {
                    Log.BecameHealthy(_logger, target.PoolName, target.BackendId, transition.From, transition.Reason);
                }
                else
                {
                    Log.BecameUnhealthy(_logger, target.PoolName, target.BackendId, transition.From, transition.Reason);
                }

                // Raised under the runner's lock so a replaced target can never deliver a stale change after its successor.
                try
                {
                    Transition?.Invoke(transition);
                }
                catch (Exception ex)
                {
                    Log.HandlerFailed(_logger, target.PoolName, target.BackendId, ex);
                }
            }

            return runner.Machine.InTransition;
        }
    }
}
