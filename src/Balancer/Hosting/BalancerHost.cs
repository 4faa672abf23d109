using LoadBalancer.Balancer.Announce;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Control;
using LoadBalancer.Balancer.Control.Traffic;
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
    private ListenerCertificates? _certificates;

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
            HealthMetrics.Register(metrics, control);
            // No listeners means an L4-only balancer: no Kestrel front at all (it would bind a default port).
            var certificates = new ListenerCertificates(config.Balancer.Listeners, loggers.CreateLogger("LoadBalancer.Tls"));
            front = config.Balancer.Listeners.Count > 0 ? BalancerWebApps.BuildFront(config, options, metrics, control, certificates) : null;
            host = new BalancerHost(config, options, front, demo, metrics, control) { _certificates = certificates };
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
        if (config.L4Settings.Services.Count > 0 && config.L4Settings.Interface is { } dataInterface)
        {
            // Registered before the first checks run, so data-path checks never see "probe not registered".
            _dataPath = new DataPathRoutes(dataInterface, loggers.CreateLogger("LoadBalancer.L4.DataPath"));
            _dataPath.Apply(config.L4Settings, config.HealthPools);
            Control.Probes.Register(new DataPathProbe(_dataPath));
        }
        Control.Apply(config);
        _proxyConfig?.Update(ProxyConfigMapper.Routes(config), ProxyConfigMapper.Clusters(config));
        _front?.Services.GetService<L7.FastPath.Http1FastPath>()?.Apply(config);
        if (config.L4Settings.Services.Count > 0)
        {
            _l4 = L4Engine.Start(config.L4Settings, Control, loggers, _options.TimeProvider);
            _dataPath?.AttachEngine(_l4.SendProbeFrame);
            L4Metrics.Register(Metrics, _l4);
            // After the engine is up: a VIP is announced only once this balancer can forward its packets.
            _announcer = new VipAnnouncer(config.L4Settings, Control.Store.Current, KernelVipRoutes.Open, loggers.CreateLogger("LoadBalancer.Announce"));
            AnnounceMetrics.Register(Metrics, _announcer);
        }
        Traffic = new TrafficHistory(_front?.Services.GetRequiredService<TrafficRecorder>(), () => _l4);
        Traffic.ActiveFlows = (service, backend) => _l4 is { } l4 && l4.Names.ServiceNames.Contains(service)
            ? l4.Names.BackendFlows(service).Where(x => x.Backend == backend).Select(x => (long?)x.Flows).FirstOrDefault()
            : null;
        var readyWait = config.Balancer.Limits.StartupReadyTimeout;
        if (_front is not null && readyWait > TimeSpan.Zero)
        {
            // Health checks first; the front joins the listen group (and, beside an old process, takes all new
            // connections) only once its backends can answer, so a restart never answers 503 for want of a checked backend.
            await _admin.StartAsync(ct);
            Control.Start();
            if (!await BackendReadiness.WaitEachPoolServingAsync(Control, readyWait, ct))
            {
                LogNotReady(_logger, readyWait.TotalSeconds);
            }
            await _front.StartAsync(ct);
        }
        else
        {
            if (_front is not null)
            {
                await _front.StartAsync(ct);
            }
            await _admin.StartAsync(ct);
            Control.Start();
        }
        FrontUrls = _front is null ? [] : BalancerWebApps.Addresses(_front);
        AdminUrl = BalancerWebApps.Addresses(_admin).First();
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
        _reloader.WatchFiles(_certificates?.Files ?? []);
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
        // Listener addresses, the admin endpoint and limits are bound at start; say so instead of pretending to apply them.
        // Certificates are not: they reload below.
        if (!previous.Balancer.Listeners.Select(l => l with { Certificate = null }).SequenceEqual(next.Balancer.Listeners.Select(l => l with { Certificate = null }))
            || previous.Balancer.Admin != next.Balancer.Admin
            || previous.Balancer.Limits != next.Balancer.Limits || previous.Balancer.AccessLog != next.Balancer.AccessLog)
        {
            LogRestartNeeded(_logger);
        }
        _dataPath?.Apply(next.L4Settings, next.HealthPools);
        Control.Apply(next);
        if (_front is not null)
        {
            // Trusted proxies and rate-limiting policies apply from the next request on.
            _front.Services.GetRequiredService<L7.ClientAddressResolver>().Apply(next.Balancer.TrustedProxies);
            _front.Services.GetRequiredService<L7.RateLimiting.RouteRateLimits>().Apply(next);
        }
        _proxyConfig?.Update(ProxyConfigMapper.Routes(next), ProxyConfigMapper.Clusters(next));
        _front?.Services.GetService<L7.FastPath.Http1FastPath>()?.Apply(next);
        if (_l4 is not null)
        {
            _l4.Apply(next.L4Settings);
            _announcer?.Update(next.L4Settings);
        }
        else if (next.L4Settings.Services.Count > 0)
        {
            LogRestartNeeded(_logger);
        }
        if (_certificates is { } certificates)
        {
            certificates.Update(next.Balancer.Listeners);
            _reloader?.WatchFiles(certificates.Files);
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

    /// <summary>Live state of the L4 services for the admin API: active tracked flows per backend.</summary>
    public IReadOnlyDictionary<(string Service, string Backend), int> ActiveFlows()
    {
        var result = new Dictionary<(string, string), int>();
        if (_l4 is { } l4)
        {
            foreach (var service in l4.Names.ServiceNames)
            {
                foreach (var (backend, flows) in l4.Names.BackendFlows(service))
                {
                    result[(service, backend)] = flows;
                }
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

    /// <summary>Traffic per backend and pool, sampled every second.</summary>
    public TrafficHistory? Traffic { get; private set; }

    /// <summary>
    /// First step of a graceful stop (SIGTERM): closes the listen sockets, so new connections go to a process bound beside
    /// this one, then lets each keep-alive client connection end after its next response (<c>Connection: close</c>), for
    /// up to Limits:ShutdownTimeout (sooner when the connections left have been idle for a second). Returns the client
    /// connections still open.
    /// </summary>
    public async Task<long> DrainAsync(CancellationToken ct = default)
    {
        _admin.Services.GetRequiredService<ReusePortListeners>().CloseAll();
        if (_front is null)
        {
            return 0;
        }
        _front.Services.GetRequiredService<ReusePortListeners>().CloseAll();
        return await _front.Services.GetRequiredService<ConnectionDrain>()
            .DrainAsync(Current.Balancer.Limits.ShutdownTimeout, () => ActiveRequests().Values.Sum(), ct);
    }

    /// <summary>Stops accepting, lets in-flight requests finish (up to the timeout) and releases everything.</summary>
    public async ValueTask DisposeAsync()
    {
        Traffic?.Dispose();
        if (_reloader is not null)
        {
            await _reloader.DisposeAsync();
        }
        // Withdraw first, so the router stops sending here while the engine still forwards what is in flight.
        _announcer?.Dispose();
        _dataPath?.AttachEngine(null);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not every pool has a backend taking requests after {Seconds} s (Balancer:Limits:StartupReadyTimeout); the front listens anyway")]
    private static partial void LogNotReady(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Balancer:Listeners, Balancer:Admin, Balancer:Limits, Balancer:AccessLog or the presence of L4 services changed: these are bound at start; restart to apply them")]
    private static partial void LogRestartNeeded(ILogger logger);
}
