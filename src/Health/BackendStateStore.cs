using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoadBalancer.Health;

/// <summary>
/// The one source of truth for every backend: health (from the monitor), admin state, weights and slow start,
/// published as an immutable <see cref="HealthSnapshot"/> that the L4 engine and the L7 front both read.
/// </summary>
public sealed partial class BackendStateStore : IDisposable
{
    // At the start of slow start a backend gets this share of its weight (HAProxy's slowstart starts near 0; Envoy's aggression
    // default is similar): enough to warm caches, small enough not to flood a cold server.
    private const double RampFloor = 0.1;

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _rampTick;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PoolEntry> _pools = new(StringComparer.Ordinal);
    private List<string> _poolOrder = [];
    private HealthSnapshot _current = HealthSnapshot.Empty;
    private ITimer? _rampTimer;
    private bool _rampingAtLastPublish;
    private bool _disposed;

    /// <summary>Creates an empty store.</summary>
    /// <param name="timeProvider">Clock for slow start and timestamps.</param>
    /// <param name="logger">Where failing snapshot handlers are logged; null logs nothing.</param>
    /// <param name="rampTick">How often the snapshot is rebuilt while some backend is slow-starting; default 1 s.</param>
    public BackendStateStore(TimeProvider timeProvider, ILogger<BackendStateStore>? logger = null, TimeSpan? rampTick = null)
    {
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _rampTick = rampTick ?? TimeSpan.FromSeconds(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_rampTick, TimeSpan.Zero, nameof(rampTick));
    }

    /// <summary>Raised (in order, under the store's lock) after each new snapshot is published; handlers must be quick.</summary>
    public event Action<HealthSnapshot>? SnapshotChanged;

    /// <summary>The latest snapshot; one volatile read, safe from any thread.</summary>
    public HealthSnapshot Current => Volatile.Read(ref _current);

    /// <summary>
    /// Replaces the pools. A backend whose config (address, weight) is unchanged keeps its health, admin state and weight override;
    /// one whose config changed loses its overrides (and its health too when the address changed); removed ones are dropped.
    /// </summary>
    /// <exception cref="ArgumentException">Duplicate pool or backend, or a negative weight; nothing is applied then.</exception>
    public void ApplyConfig(IEnumerable<PoolStateConfig> pools)
    {
        ArgumentNullException.ThrowIfNull(pools);
        var list = pools.ToList();
        CheckConfig(list);
        lock (_gate)
        {
            var next = new Dictionary<string, PoolEntry>(StringComparer.Ordinal);
            foreach (var pool in list)
            {
                _pools.TryGetValue(pool.PoolName, out var oldPool);
                var entry = new PoolEntry(pool);
                foreach (var backend in pool.Backends)
                {
                    BackendEntry? old = null;
                    oldPool?.ById.TryGetValue(backend.BackendId, out old);
                    var fresh = new BackendEntry(backend);
                    if (old is not null && old.Config.Address == backend.Address)
                    {
                        // Same server: its health is still true, whatever else changed.
                        fresh.Health = old.Health;
                        fresh.LastTransition = old.LastTransition;
                        fresh.RampStart = old.RampStart;
                        if (old.Config == backend)
                        {
                            fresh.Admin = old.Admin;
                            fresh.WeightOverride = old.WeightOverride;
                        }
                    }

                    entry.Add(fresh);
                }

                next[pool.PoolName] = entry;
            }

            _pools.Clear();
            foreach (var (name, entry) in next)
            {
                _pools[name] = entry;
            }

            _poolOrder = list.Select(p => p.PoolName).ToList();
            Publish();
        }
    }

    /// <summary>Applies a health change from the monitor (wire it: <c>monitor.Transition += store.ApplyTransition</c>); unknown backends are ignored.</summary>
    public void ApplyTransition(HealthTransition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        lock (_gate)
        {
            if (!TryFind(transition.PoolName, transition.BackendId, out var pool, out var backend))
            {
                return;
            }

            var wasHealthy = backend.Health == HealthState.Healthy;
            backend.Health = transition.To;
            backend.LastTransition = new TransitionInfo(transition.At, transition.Reason);
            if (transition.To == HealthState.Healthy && !wasHealthy)
            {
                StartRamp(pool, backend);
            }
            else if (transition.To != HealthState.Healthy)
            {
                backend.RampStart = null;
            }

            Publish();
        }
    }

    /// <summary>Sets a backend's admin state; leaving Maint starts slow start again. Returns false when the pool or backend is unknown.</summary>
    public bool SetAdminState(string poolName, string backendId, AdminState state)
    {
        lock (_gate)
        {
            if (!TryFind(poolName, backendId, out var pool, out var backend))
            {
                return false;
            }

            if (backend.Admin == AdminState.Maint && state == AdminState.Ready)
            {
                StartRamp(pool, backend);
            }

            backend.Admin = state;
            Publish();
            return true;
        }
    }

    /// <summary>Overrides a backend's weight (0 drains it by weight); null returns to the configured weight. Returns false when unknown.</summary>
    public bool SetWeight(string poolName, string backendId, int? weight)
    {
        if (weight is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "weight must be >= 0");
        }

        lock (_gate)
        {
            if (!TryFind(poolName, backendId, out _, out var backend))
            {
                return false;
            }

            backend.WeightOverride = weight;
            Publish();
            return true;
        }
    }

    /// <summary>Rebuilds the snapshot when a slow start is in progress (or just ended); the store's own timer calls this every tick.</summary>
    public void Tick()
    {
        lock (_gate)
        {
            if (_disposed || !_rampingAtLastPublish)
            {
                return;
            }

            Publish();
        }
    }

    /// <summary>Stops the slow-start timer.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _rampTimer?.Dispose();
            _rampTimer = null;
        }
    }

    private static void CheckConfig(List<PoolStateConfig> pools)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pool in pools)
        {
            if (!names.Add(pool.PoolName))
            {
                throw new ArgumentException($"duplicate pool '{pool.PoolName}'", nameof(pools));
            }

            if (pool.SlowStart < TimeSpan.Zero)
            {
                throw new ArgumentException($"pool '{pool.PoolName}': slow start must be >= 0", nameof(pools));
            }

            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var backend in pool.Backends)
            {
                if (!ids.Add(backend.BackendId))
                {
                    throw new ArgumentException($"pool '{pool.PoolName}': duplicate backend '{backend.BackendId}'", nameof(pools));
                }

                if (backend.Weight < 0)
                {
                    throw new ArgumentException($"pool '{pool.PoolName}', backend '{backend.BackendId}': weight must be >= 0", nameof(pools));
                }
            }
        }
    }

    private bool TryFind(string poolName, string backendId, out PoolEntry pool, out BackendEntry backend)
    {
        backend = null!;
        return _pools.TryGetValue(poolName, out pool!) && pool.ById.TryGetValue(backendId, out backend!);
    }

    private void StartRamp(PoolEntry pool, BackendEntry backend)
    {
        backend.RampStart = pool.Config.SlowStart > TimeSpan.Zero ? _time.GetUtcNow() : null;
    }

    /// <summary>Builds and swaps in a new snapshot; caller holds <see cref="_gate"/>.</summary>
    private void Publish()
    {
        var now = _time.GetUtcNow();
        var ramping = false;
        var pools = new Dictionary<string, ImmutableArray<BackendView>>(_pools.Count, StringComparer.Ordinal);
        foreach (var name in _poolOrder)
        {
            var pool = _pools[name];
            var views = ImmutableArray.CreateBuilder<BackendView>(pool.Backends.Count);
            foreach (var backend in pool.Backends)
            {
                views.Add(View(pool, backend, now, ref ramping));
            }

            pools[name] = views.MoveToImmutable();
        }

        var snapshot = new HealthSnapshot(_current.Version + 1, now, pools);
        Volatile.Write(ref _current, snapshot);
        _rampingAtLastPublish = ramping;
        UpdateRampTimer(ramping);
        try
        {
            SnapshotChanged?.Invoke(snapshot);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, snapshot.Version, ex);
        }
    }

    private static BackendView View(PoolEntry pool, BackendEntry backend, DateTimeOffset now, ref bool ramping)
    {
        var health = pool.Config.HasHealthCheck ? backend.Health : HealthState.Healthy;
        var weight = backend.WeightOverride ?? backend.Config.Weight;
        var effective = 0;
        if (health == HealthState.Healthy && backend.Admin == AdminState.Ready && weight > 0)
        {
            effective = weight;
            if (backend.RampStart is { } start)
            {
                var elapsed = now - start;
                var slowStart = pool.Config.SlowStart;
                if (elapsed < slowStart && slowStart > TimeSpan.Zero)
                {
                    var fraction = RampFloor + ((1 - RampFloor) * Math.Max(0, elapsed.Ticks) / slowStart.Ticks);
                    effective = Math.Clamp((int)Math.Round(weight * fraction, MidpointRounding.AwayFromZero), 1, weight);
                    ramping = true;
                }
                else
                {
                    backend.RampStart = null;
                }
            }
        }

        return new BackendView(backend.Config.BackendId, backend.Config.Address, health, backend.Admin, backend.Config.Weight,
            backend.WeightOverride, effective, effective > 0, backend.LastTransition);
    }

    private void UpdateRampTimer(bool ramping)
    {
        if (ramping && _rampTimer is null && !_disposed)
        {
            _rampTimer = _time.CreateTimer(static state => ((BackendStateStore)state!).Tick(), this, _rampTick, _rampTick);
        }
        else if (!ramping && _rampTimer is not null)
        {
            _rampTimer.Dispose();
            _rampTimer = null;
        }
    }

    private sealed class PoolEntry(PoolStateConfig config)
    {
        public PoolStateConfig Config { get; } = config;

        public List<BackendEntry> Backends { get; } = [];

        public Dictionary<string, BackendEntry> ById { get; } = new(StringComparer.Ordinal);

        public void Add(BackendEntry backend)
        {
            Backends.Add(backend);
            ById[backend.Config.BackendId] = backend;
        }
    }

    private sealed class BackendEntry(BackendStateConfig config)
    {
        public BackendStateConfig Config { get; } = config;

        public HealthState Health { get; set; } = HealthState.Unknown;

        public TransitionInfo? LastTransition { get; set; }

        public AdminState Admin { get; set; } = AdminState.Ready;

        public int? WeightOverride { get; set; }

        public DateTimeOffset? RampStart { get; set; }
    }
}
