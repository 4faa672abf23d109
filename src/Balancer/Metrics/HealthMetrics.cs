using System.Text;
using LoadBalancer.Balancer.Control;
using LoadBalancer.Health;
using LoadBalancer.Health.Probes;
using Prometheus;

namespace LoadBalancer.Balancer.Metrics;

/// <summary>
/// Health, admin state and weights of every backend (gauges set from the store's snapshot just before each scrape),
/// and check durations, failures and transitions (counted from the monitor's events), in the instance's registry.
/// </summary>
public sealed class HealthMetrics
{
    // A TCP connect on a LAN takes well under a millisecond; an HTTP check a few; a failing one runs into the timeout (2 s by default).
    private static readonly double[] CheckDurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly string[] HealthStates = LabelValues<HealthState>();
    private static readonly string[] AdminStates = LabelValues<AdminState>();
    private static readonly string[] Reasons = LabelValues<ProbeReason>();

    private readonly BackendStateStore _store;
    private readonly Gauge _up;
    private readonly Gauge _health;
    private readonly Gauge _admin;
    private readonly Gauge _weight;
    private readonly Histogram _checkDuration;
    private readonly Counter _checkFailures;
    private readonly Counter _transitions;

    // Guards the exported sets below and orders event updates against the removal of a backend's series.
    private readonly Lock _gate = new();
    private readonly HashSet<(string Pool, string Backend)> _exported = [];
    private readonly HashSet<string> _exportedPools = new(StringComparer.Ordinal);
    private long _exportedVersion = -1;

    /// <summary>Creates the metrics in <paramref name="metrics"/>' registry, refreshed before every scrape, and subscribes them to <paramref name="control"/>'s monitor; they live as long as the registry.</summary>
    public static void Register(BalancerMetrics metrics, BackendControl control)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(control);
        var health = new HealthMetrics(metrics, control.Store);
        metrics.Registry.AddBeforeCollectCallback(health.Refresh);
        control.Monitor.CheckCompleted += health.OnCheckCompleted;
        control.Monitor.Transition += health.OnTransition;
    }

    private HealthMetrics(BalancerMetrics metrics, BackendStateStore store)
    {
        _store = store;
        var f = Prometheus.Metrics.WithCustomRegistry(metrics.Registry);
        _up = f.CreateGauge("lb_backend_up", "1 when the backend's health is healthy (or its pool has no check), else 0.", ["pool", "backend"]);
        _health = f.CreateGauge("lb_backend_health_state", "1 for the backend's current health state (unknown, healthy, unhealthy), 0 for the others.",
            ["pool", "backend", "state"]);
        _admin = f.CreateGauge("lb_backend_admin_state", "1 for the backend's current admin state (ready, drain, maint), 0 for the others.",
            ["pool", "backend", "state"]);
        _weight = f.CreateGauge("lb_backend_weight", "Backend weight: configured, or effective (used for new flows now: 0 unless healthy and ready, ramped in slow start).",
            ["pool", "backend", "kind"]);
        _checkDuration = f.CreateHistogram("lb_health_check_duration_seconds", "Duration of active health checks, by pool (failed checks included).",
            ["pool"], new HistogramConfiguration { Buckets = CheckDurationBuckets });
        _checkFailures = f.CreateCounter("lb_health_check_failures_total", "Failed active health checks, by pool, backend and reason.",
            ["pool", "backend", "reason"]);
        _transitions = f.CreateCounter("lb_health_transitions_total", "Health state changes, by pool, backend and new state.",
            ["pool", "backend", "to"]);
    }

    /// <summary>Sets the gauges from the store's current snapshot and drops every series of backends and pools that are gone; runs before each scrape.</summary>
    private void Refresh()
    {
        var snapshot = _store.Current;
        lock (_gate)
        {
            // Gauges only move when a new snapshot is published; most scrapes find nothing to do.
            if (snapshot.Version == _exportedVersion)
            {
                return;
            }

            _exportedVersion = snapshot.Version;
            var seen = new HashSet<(string Pool, string Backend)>();
            foreach (var (pool, backends) in snapshot.Pools)
            {
                foreach (var b in backends)
                {
                    seen.Add((pool, b.BackendId));
                    Export(pool, b);
                }
            }

            foreach (var gone in _exported.Where(k => !seen.Contains(k)).ToList())
            {
                Remove(gone.Pool, gone.Backend);
                _exported.Remove(gone);
            }

            foreach (var pool in _exportedPools.Where(p => !snapshot.Pools.ContainsKey(p)).ToList())
            {
                _checkDuration.RemoveLabelled(pool);
                _exportedPools.Remove(pool);
            }
        }
    }

    private void Export(string pool, BackendView b)
    {
        _up.WithLabels(pool, b.BackendId).Set(b.Health == HealthState.Healthy ? 1 : 0);
        for (var i = 0; i < HealthStates.Length; i++)
        {
            _health.WithLabels(pool, b.BackendId, HealthStates[i]).Set(i == (int)b.Health ? 1 : 0);
        }

        for (var i = 0; i < AdminStates.Length; i++)
        {
            _admin.WithLabels(pool, b.BackendId, AdminStates[i]).Set(i == (int)b.AdminState ? 1 : 0);
        }

        _weight.WithLabels(pool, b.BackendId, "configured").Set(b.ConfiguredWeight);
        _weight.WithLabels(pool, b.BackendId, "effective").Set(b.EffectiveWeight);
        if (_exported.Add((pool, b.BackendId)))
        {
            // Present from the start as 0, so increase() sees a backend's first transition.
            _transitions.WithLabels(pool, b.BackendId, HealthStates[(int)HealthState.Healthy]);
            _transitions.WithLabels(pool, b.BackendId, HealthStates[(int)HealthState.Unhealthy]);
        }
    }

    private void Remove(string pool, string backend)
    {
        _up.RemoveLabelled(pool, backend);
        foreach (var state in HealthStates)
        {
            _health.RemoveLabelled(pool, backend, state);
            _transitions.RemoveLabelled(pool, backend, state);
        }

        foreach (var state in AdminStates)
        {
            _admin.RemoveLabelled(pool, backend, state);
        }

        foreach (var reason in Reasons)
        {
            _checkFailures.RemoveLabelled(pool, backend, reason);
        }

        _weight.RemoveLabelled(pool, backend, "configured");
        _weight.RemoveLabelled(pool, backend, "effective");
    }

    private void OnCheckCompleted(HealthCheckCompleted check)
    {
        lock (_gate)
        {
            if (!IsCurrent(check.PoolName, check.BackendId))
            {
                return;
            }

            _exportedPools.Add(check.PoolName);
            _checkDuration.WithLabels(check.PoolName).Observe(check.Result.Duration.TotalSeconds);
            if (!check.Result.Success)
            {
                _checkFailures.WithLabels(check.PoolName, check.BackendId, Reasons[(int)check.Result.Reason]).Inc();
            }
        }
    }

    private void OnTransition(HealthTransition transition)
    {
        lock (_gate)
        {
            if (IsCurrent(transition.PoolName, transition.BackendId))
            {
                _transitions.WithLabels(transition.PoolName, transition.BackendId, HealthStates[(int)transition.To]).Inc();
            }
        }
    }

    /// <summary>Whether the backend is in the store's current snapshot; a late event of a removed backend must not bring its series back.</summary>
    private bool IsCurrent(string pool, string backend)
    {
        foreach (var b in _store.Current.GetPool(pool))
        {
            if (b.BackendId == backend)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Label values of an enum indexed by its value: snake_case names (BadStatus becomes bad_status).</summary>
    private static string[] LabelValues<T>()
        where T : struct, Enum
    {
        var values = Enum.GetValues<T>();
        var result = new string[values.Length];
        foreach (var value in values)
        {
            var name = value.ToString();
            var text = new StringBuilder(name.Length + 4);
            for (var i = 0; i < name.Length; i++)
            {
                if (char.IsUpper(name[i]) && i > 0)
                {
                    text.Append('_');
                }

                text.Append(char.ToLowerInvariant(name[i]));
            }

            result[Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)] = text.ToString();
        }

        return result;
    }
}
