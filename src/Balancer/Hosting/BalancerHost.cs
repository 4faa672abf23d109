using LoadBalancer.Balancer.Announce;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Control;
using LoadBalancer.Balancer.Demo;
using LoadBalancer.Balancer.L4.Engine;
using LoadBalancer.Balancer.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

namespace LoadBalancer.Balancer.Hosting;

/// <summary>One running balancer: the L7 front, the admin endpoint, demo backends if configured, and config reload.</summary>
public sealed partial class BalancerHost : IBalancerRuntime, IAsyncDisposable
{
    private readonly WebApplication? _front;
    private L4Engine? _l4;
    private DataPathRoutes? _dataPath;
    private VipAnnouncer? _announcer;
    private readonly WebApplication _admin;
    private readonly List<DemoBackend> _demoBackends;
    private readonly InMemoryConfigProvider? _proxyConfig;
    private readonly ConfigValidationContext _validation;
    private readonly BalancerHostOptions _options;
    private readonly ILogger _logger;
    private ConfigReloader? _reloader;
    private BalancerConfig _current;

    private BalancerHost(BalancerConfig config, BalancerHostOptions options, WebApplication? front,
        List<DemoBackend> demoBackends, BalancerMetrics metrics, BackendControl control)
    {
        Control = control;
        _current = config;
        _options = options;
        _front = front;
        _demoBackends = demoBackends;
        Metrics = metrics;
        _proxyConfig = front?.Services.GetRequiredService<InMemoryConfigProvider>();
        _validation = front is null ? ConfigValidationContext.CreateStandalone() : ConfigValidationContext.FromServices(front.Services);
        _logger = control.Loggers.CreateLogger("LoadBalancer.Config");
        // The admin endpoints call back into this host only when a request comes, after start-up.
        _admin = BalancerWebApps.BuildAdmin(config, options, metrics, this);
    }

    /// <summary>The config in force.</summary>
    public BalancerConfig Current => Volatile.Read(ref _current);

    /// <summary>Health, admin state and weights of every backend.</summary>
    public BackendControl Control { get; }

    /// <summary>This instance's metrics.</summary>
    public BalancerMetrics Metrics { get; }

    /// <summary>URLs the front listens on, with real ports.</summary>
    public IReadOnlyList<string> FrontUrls { get; private set; } = [];

    /// <summary>URL of the admin endpoint, with its real port.</summary>
    public string AdminUrl { get; private set; } = "";

    /// <summary>The demo backends started from the config's Demo section.</summary>
    public IReadOnlyList<DemoBackend> DemoBackends => _demoBackends;

    /// <summary>Raised after every reload attempt with its outcome.</summary>
    public event Action<ConfigLoadResult>? Reloaded;

    /// <summary>Raised when a watcher-triggered read found the file empty or half-written and waits for the write to settle.</summary>
    internal event Action<ConfigLoadResult>? ReloadDeferred;

    /// <summary>Starts demo backends, the front and the admin endpoint for a validated config.</summary>
    public static async Task<BalancerHost> StartAsync(BalancerConfig config, BalancerHostOptions? options = null, CancellationToken ct = default)
    {
        options ??= new BalancerHostOptions();
        var loggers = LoggerFactory.Create(l => options.ConfigureLogging?.Invoke(l));
        var control = new BackendControl(options.TimeProvider ?? TimeProvider.System, loggers);
        var demo = new List<DemoBackend>();
        WebApplication? front = null;
        BalancerHost? host = null;
        try
        {
            foreach (var d in config.DemoBackends)
            {
                demo.Add(await DemoBackend.StartAsync(d.Name, d.Url, ct));
            }
            var metrics = new BalancerMetrics();
            _ = new HealthMetrics(metrics, control);
            // No listeners means an L4-only balancer: no Kestrel front at all (it would bind a default port).
            front = config.Balancer.Listeners.Count > 0 ? BalancerWebApps.BuildFront(config, options, metrics, control) : null;
            host = new BalancerHost(config, options, front, demo, metrics, control);
            await host.StartCoreAsync(loggers, ct);
            return host;
        }
        catch
        {
            await DisposeAfterFailedStartAsync(demo, front, host, control);
            throw;
        }
    }

    private async Task StartCoreAsync(ILoggerFactory loggers, CancellationToken ct)
    {
        var config = Current;
        Control.Changed += OnBackendsChanged;
        if (config.L4.Services.Count > 0 && config.L4.Interface is { } dataInterface)
        {
            // Registered before the first checks run, so data-path checks never see "probe not registered".
            _dataPath = new DataPathRoutes(dataInterface, loggers.CreateLogger("LoadBalancer.L4.DataPath"));
            _dataPath.Apply(config.L4, config.HealthPools);
            Control.Probes.Register(new DataPathProbe(_dataPath));
        }
        Control.Apply(config);
        _proxyConfig?.Update(config.Routes, ProxyConfigMapper.Clusters(config));
        if (config.L4.Services.Count > 0)
        {
            _l4 = L4Engine.Start(config.L4, Control, loggers, _options.TimeProvider);
            _ = new L4Metrics(Metrics, _l4);
            // After the engine is up: a VIP is announced only once this balancer can forward its packets.
            _announcer = new VipAnnouncer(config.L4, Control.Store.Current, KernelVipRoutes.Open, loggers.CreateLogger("LoadBalancer.Announce"));
            _ = new AnnounceMetrics(Metrics, _announcer);
        }
        if (_front is not null)
        {
            await _front.StartAsync(ct);
        }
        await _admin.StartAsync(ct);
        FrontUrls = _front is null ? [] : BalancerWebApps.Addresses(_front);
        AdminUrl = BalancerWebApps.Addresses(_admin).First();
        Control.Start();
        StartWatching();
    }

    private static async Task DisposeAfterFailedStartAsync(List<DemoBackend> demo, WebApplication? front, BalancerHost? host, BackendControl control)
    {
        foreach (var d in demo)
        {
            await d.DisposeAsync();
        }
        if (front is not null)
        {
            await front.DisposeAsync();
        }
        host?._announcer?.Dispose();
        if (host?._l4 is not null)
        {
            await host._l4.DisposeAsync();
        }
        host?._dataPath?.Dispose();
        if (host is not null)
        {
            await host._admin.DisposeAsync();
        }
        await control.DisposeAsync();
    }

    private void StartWatching()
    {
        if (_options.ConfigPath is not { } path)
        {
            return;
        }
        _reloader = ConfigReloader.Start(path, _options, _validation, Apply, Metrics, _logger);
        _reloader.Reloaded += r => Reloaded?.Invoke(r);
        _reloader.Deferred += r => ReloadDeferred?.Invoke(r);
    }

    /// <summary>Reads the config file again, validates it and applies it atomically; a bad file is rejected and the running config stays.</summary>
    public Task<ConfigLoadResult> ReloadAsync() =>
        _reloader is { } reloader
            ? reloader.ReloadAsync()
            : Task.FromResult(new ConfigLoadResult(null, [new ConfigError("(config)", null, "the running config is embedded; there is no file to reload")]));

    private void Apply(BalancerConfig next)
    {
        var previous = Current;
        // Listeners, the admin endpoint and limits are bound at start; say so instead of pretending to apply them.
        if (!previous.Balancer.Listeners.SequenceEqual(next.Balancer.Listeners) || previous.Balancer.Admin != next.Balancer.Admin
            || previous.Balancer.Limits != next.Balancer.Limits)
        {
            LogRestartNeeded(_logger);
        }
        _dataPath?.Apply(next.L4, next.HealthPools);
        Control.Apply(next);
        _proxyConfig?.Update(next.Routes, ProxyConfigMapper.Clusters(next));
        if (_l4 is not null)
        {
            _l4.Apply(next.L4);
            _announcer?.Update(next.L4);
        }
        else if (next.L4.Services.Count > 0)
        {
            LogRestartNeeded(_logger);
        }
        Volatile.Write(ref _current, next);
        LogReloaded(_logger, next.Source, next.Routes.Count, next.Clusters.Count);
    }

    /// <summary>The L4 engine, when the config has L4 services.</summary>
    public L4Engine? L4 => _l4;

    /// <inheritdoc />
    public VipAnnouncer? Announcer => _announcer;

    /// <summary>Live state of the L7 clusters for the admin API: in-flight requests per destination.</summary>
    public IReadOnlyDictionary<(string Cluster, string Destination), int> ActiveRequests()
    {
        if (_front is null)
        {
            return new Dictionary<(string, string), int>();
        }
        var lookup = _front.Services.GetRequiredService<IProxyStateLookup>();
        var result = new Dictionary<(string, string), int>();
        foreach (var cluster in lookup.GetClusters())
        {
            foreach (var d in cluster.Destinations.Values)
            {
                result[(cluster.ClusterId, d.DestinationId)] = d.ConcurrentRequestCount;
            }
        }
        return result;
    }

    private void OnBackendsChanged(LoadBalancer.Health.HealthSnapshot snapshot)
    {
        _announcer?.Update(snapshot);
        // YARP caches each cluster's available destinations; recompute them from the new snapshot.
        if (_front is null)
        {
            return;
        }
        var lookup = _front.Services.GetRequiredService<IProxyStateLookup>();
        var updater = _front.Services.GetRequiredService<IClusterDestinationsUpdater>();
        foreach (var cluster in lookup.GetClusters())
        {
            updater.UpdateAvailableDestinations(cluster);
        }
    }

    /// <summary>Stops accepting, lets in-flight requests finish (up to the timeout) and releases everything.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_reloader is not null)
        {
            await _reloader.DisposeAsync();
        }
        // Withdraw first, so the router stops sending here while the engine still forwards what is in flight.
        _announcer?.Dispose();
        if (_l4 is not null)
        {
            await _l4.DisposeAsync();
        }
        _dataPath?.Dispose();
        if (_front is not null)
        {
            await _front.StopAsync(TimeSpan.FromSeconds(5));
            await _front.DisposeAsync();
        }
        await _admin.StopAsync(TimeSpan.FromSeconds(2));
        await _admin.DisposeAsync();
        foreach (var d in _demoBackends)
        {
            await d.DisposeAsync();
        }
        await Control.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Config from {Source} applied: {Routes} route(s), {Clusters} cluster(s)")]
    private static partial void LogReloaded(ILogger logger, string source, int routes, int clusters);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Balancer:Listeners, Balancer:Admin, Balancer:Limits or the presence of L4 services changed: these are bound at start; restart to apply them")]
    private static partial void LogRestartNeeded(ILogger logger);
}
