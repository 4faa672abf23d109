using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Health;
using LoadBalancer.Health.Probes;
using LoadBalancer.Modes.Packets;
using Microsoft.Extensions.Logging;

namespace LoadBalancer.Balancer.Control;

/// <summary>The one source of truth for backends: health (checks), admin state (ready/drain/maint), weights and slow start, for L7 clusters and L4 services alike.</summary>
public sealed partial class BackendControl : IAsyncDisposable
{
    private readonly ILogger _logger;
    private FrozenDictionary<(string Pool, string Backend), BackendView> _views = FrozenDictionary<(string, string), BackendView>.Empty;
    private readonly object _notifyLock = new();
    private Task _listenersDone = Task.CompletedTask;

    /// <summary>Creates the store and the monitor; call <see cref="Apply"/> then <see cref="Start"/>.</summary>
    public BackendControl(TimeProvider time, ILoggerFactory loggers)
    {
        Loggers = loggers;
        _logger = loggers.CreateLogger("LoadBalancer.Health");
        Probes = HealthProbeRegistry.CreateDefault(ProxyProtocolProbePreamble.Instance);
        Store = new BackendStateStore(time, loggers.CreateLogger<BackendStateStore>());
        Monitor = new HealthMonitor(Probes, time, loggers.CreateLogger<HealthMonitor>());
        Monitor.Transition += Store.ApplyTransition;
        Store.SnapshotChanged += OnSnapshot;
        OnSnapshot(Store.Current);
    }

    /// <summary>The logger factory shared by the control plane.</summary>
    public ILoggerFactory Loggers { get; }

    /// <summary>Health, admin state and weights; publishes immutable snapshots.</summary>
    public BackendStateStore Store { get; }

    /// <summary>Runs the active checks.</summary>
    public HealthMonitor Monitor { get; }

    /// <summary>Probes by name; the L4 engine registers its data-path probe here.</summary>
    public HealthProbeRegistry Probes { get; }

    /// <summary>Raised (on a pool thread, never under a lock) after each new snapshot.</summary>
    public event Action<HealthSnapshot>? Changed;

    /// <summary>Looks a backend up in the current snapshot (one dictionary read).</summary>
    public bool TryGetView(string pool, string backend, out BackendView view) => _views.TryGetValue((pool, backend), out view!);

    /// <summary>Makes the pools, backends and checks match a validated config; unchanged backends keep their state.</summary>
    public void Apply(BalancerConfig config)
    {
        var pools = new List<PoolStateConfig>();
        var targets = new List<HealthTarget>();
        foreach (var cluster in config.Clusters)
        {
            config.HealthPools.TryGetValue(cluster.ClusterId, out var health);
            var backends = new List<BackendStateConfig>();
            foreach (var (id, destination) in cluster.Destinations ?? new Dictionary<string, Yarp.ReverseProxy.Configuration.DestinationConfig>())
            {
                var weight = destination.Metadata?.TryGetValue(ConfigValidator.WeightMetadataKey, out var w) == true
                    && L7.LoadBalancing.DestinationWeights.TryParse(w, out var parsed) ? parsed : 1;
                backends.Add(new BackendStateConfig(id, destination.Address, weight));
                if (health?.Check is { } check && Resolve(destination.Address) is { } endpoint)
                {
                    targets.Add(new HealthTarget(cluster.ClusterId, id, endpoint.Address, endpoint.Port, check));
                }
            }
            pools.Add(new PoolStateConfig(cluster.ClusterId, health?.Check is not null, health?.SlowStart ?? TimeSpan.Zero, backends));
        }
        foreach (var (name, service) in config.L4Settings.Services)
        {
            config.HealthPools.TryGetValue(name, out var health);
            var backends = new List<BackendStateConfig>();
            foreach (var (id, b) in service.Backends)
            {
                backends.Add(new BackendStateConfig(id, $"{Ipv4Address.Format(b.Address)}:{b.Port}", b.Weight));
                if (health?.Check is { } check)
                {
                    targets.Add(new HealthTarget(name, id, b.IPAddress, b.Port, check));
                }
            }
            pools.Add(new PoolStateConfig(name, health?.Check is not null, health?.SlowStart ?? TimeSpan.Zero, backends));
        }
        // The store must know a backend before the monitor reports on it.
        Store.ApplyConfig(pools);
        Monitor.UpdateTargets(targets);
    }

    /// <summary>Starts the checks.</summary>
    public void Start() => Monitor.Start();

    private IPEndPoint? Resolve(string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri))
        {
            return null;
        }
        if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip))
        {
            return new IPEndPoint(ip, uri.Port);
        }
        try
        {
            var resolved = Dns.GetHostAddresses(uri.Host);
            var pick = resolved.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? resolved.FirstOrDefault();
            return pick is null ? null : new IPEndPoint(pick, uri.Port);
        }
        catch (SocketException e)
        {
            LogUnresolved(_logger, uri.Host, e.Message);
            return null;
        }
    }

    private void OnSnapshot(HealthSnapshot snapshot)
    {
        var views = new Dictionary<(string, string), BackendView>();
        foreach (var (pool, backends) in snapshot.Pools)
        {
            foreach (var b in backends)
            {
                views[(pool, b.BackendId)] = b;
            }
        }
        Volatile.Write(ref _views, views.ToFrozenDictionary());
        // Listeners may take locks of their own (YARP's cluster state): never call them under the store's lock. They run
        // off this thread, one snapshot after another, and ChangesApplied() tells when they have caught up.
        if (Changed is { } changed)
        {
            lock (_notifyLock)
            {
                _listenersDone = _listenersDone.ContinueWith(
                    (_, state) => Notify(((Action<HealthSnapshot>, HealthSnapshot))state!),
                    (changed, snapshot), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Completes once the listeners of every snapshot published so far have run: YARP's available destinations and the L4 snapshot then reflect the latest health, admin state and weights.</summary>
    public Task ChangesApplied()
    {
        lock (_notifyLock)
        {
            return _listenersDone;
        }
    }

    private void Notify((Action<HealthSnapshot> Listeners, HealthSnapshot Snapshot) change)
    {
        try
        {
            change.Listeners(change.Snapshot);
        }
        catch (Exception e)
        {
            LogListenerFailed(_logger, change.Snapshot.Version, e);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Monitor.DisposeAsync();
        Store.Dispose();
        Probes.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot resolve backend host {Host} for health checks: {Reason}")]
    private static partial void LogUnresolved(ILogger logger, string host, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying backend state snapshot {Version} failed; the next change applies again")]
    private static partial void LogListenerFailed(ILogger logger, long version, Exception e);
}
