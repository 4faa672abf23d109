using System.Collections.Concurrent;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Control.Traffic;
using LoadBalancer.Balancer.Hosting;
using LoadBalancer.Balancer.Metrics;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace LoadBalancer.Balancer.L7.FastPath;

/// <summary>
/// The L7 front's own HTTP/1.1 forwarding path (<c>Balancer:Tuning:Http1FastPath</c>): connection middleware on plain
/// HTTP listeners that forwards the common request (HTTP/1.1, Content-Length or no body, a route whose features it
/// does itself) straight from Kestrel's transport to a pooled backend connection, with YARP's routes, load balancing,
/// health and in-flight counts, the balancer's metrics, status-page traffic, connect retries and drain. Any other
/// request, and the rest of its connection, goes to Kestrel and YARP unchanged.
/// </summary>
internal sealed partial class Http1FastPath : IDisposable
{
    private readonly ConcurrentDictionary<FastConnection, byte> _connections = new();
    private readonly Lock _gate = new();
    private readonly Counter _requests;
    private Timer? _heartbeat;
    private IServiceProvider? _services;
    private BalancerConfig _config;
    private volatile FastRouteTable _table = FastRouteTable.Disabled;
    private volatile bool _dirty = true;
    private long _recheckAt;
    private ILogger _logger = NullLogger.Instance;
    private string _lastSummary = "";
    private readonly long? _maxConnections;
    private readonly Gauge.Child _openOwn;
    private readonly Gauge.Child _openKestrel;

    public Http1FastPath(BalancerConfig config, ConnectionDrain drain, BalancerMetrics metrics)
    {
        _config = config;
        Drain = drain;
        var limits = config.Balancer.Limits;
        KeepAliveTimeoutMs = (long)limits.KeepAliveTimeout.TotalMilliseconds;
        RequestHeadersTimeoutMs = (long)limits.RequestHeadersTimeout.TotalMilliseconds;
        _maxConnections = limits.MaxConcurrentConnections;
        ConnectRetries = limits.ConnectRetries;
        _requests = Prometheus.Metrics.WithCustomRegistry(metrics.Registry).CreateCounter("lb_http_fast_path_requests_total",
            "Requests read by the HTTP/1.1 fast path, by what became of them: forwarded by it, or handed to Kestrel and YARP with the rest of their connection.",
            ["result"]);
        Forwarded = _requests.WithLabels("forwarded");
        HandedOver = _requests.WithLabels("handed_over");
        var open = Prometheus.Metrics.WithCustomRegistry(metrics.Registry).CreateGauge("lb_http_fast_path_connections",
            "Client connections the HTTP/1.1 fast path serves now, by transport: own (its own sockets, Tuning:Http1FastPathOwnSockets) or kestrel (connection middleware on Kestrel's transport).",
            ["transport"]);
        _openOwn = open.WithLabels("own");
        _openKestrel = open.WithLabels("kestrel");
    }

    public ConnectionDrain Drain { get; }
    public L7Metrics Metrics { get; private set; } = null!;
    public TrafficRecorder Traffic { get; private set; } = null!;
    public FastDestinations Destinations { get; } = new();
    public Counter.Child Forwarded { get; }
    public Counter.Child HandedOver { get; }
    public long KeepAliveTimeoutMs { get; }
    public long RequestHeadersTimeoutMs { get; }
    public int ConnectRetries { get; }
    /// <summary>A pooled backend connection idle for longer than this is checked before use.</summary>
    public long IdleCheckAfterMs { get; } = 1000;
    /// <summary>Idle backend connections are closed after this (as the YARP clients' PooledConnectionIdleTimeout).</summary>
    public long PoolIdleTimeoutMs { get; } = 120_000;
    /// <summary>Kestrel's default MaxRequestHeadersTotalSize: a longer head goes to Kestrel, which answers 431.</summary>
    public int MaxHeadBytes { get; } = 32 * 1024;

    /// <summary>The fast path of a front when the config turns it on, registered so the container disposes it (its heartbeat) with the front.</summary>
    public static Http1FastPath? Register(IServiceCollection services, BalancerConfig config, ConnectionDrain drain, BalancerMetrics metrics)
    {
        if (!config.Balancer.Tuning.Http1FastPath)
        {
            return null;
        }
        var fastPath = new Http1FastPath(config, drain, metrics);
        services.AddSingleton(_ => fastPath);
        return fastPath;
    }

    /// <summary>
    /// Puts the fast path on a listener: plain HTTP/1.1 only, and not where the access log is on (it logs through YARP's
    /// pipeline). With <c>Tuning:Http1FastPathOwnSockets</c>, and where no PROXY header or TCP option is read first
    /// (those read Kestrel's transport), the listener is bound by <see cref="OwnSocketsTransport"/>; otherwise the fast
    /// path is connection middleware on Kestrel's transport.
    /// </summary>
    public void UseOn(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen, ListenerConfig listener, bool https, bool accessLog)
    {
        if (https || accessLog || !listen.Protocols.HasFlag(Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1))
        {
            return;
        }
        var readsFirst = (ProxyProtocolSettings.TryParseListener(listener.ProxyProtocol, out var versions) && versions != Modes.ProxyProtocol.ProxyProtocolVersions.Off)
            || (ClientAddressSettings.TryParse(listener.ClientAddressFrom, out var source) && source == ClientAddressSource.TcpOption);
        if (_config.Balancer.Tuning.Http1FastPathOwnSockets && !readsFirst && listen.IPEndPoint is { } endpoint)
        {
            lock (_gate)
            {
                OwnSocketEndpoints.Add(endpoint);
            }
            return;
        }
        listen.Use(Use);
    }

    /// <summary>Registers <see cref="OwnSocketsTransport"/> after Kestrel's socket transport, so Kestrel asks it first; it binds only the listeners <see cref="UseOn"/> gave it.</summary>
    public void AddTransport(IServiceCollection services) => services.AddSingleton<IConnectionListenerFactory>(sp => new OwnSocketsTransport(this, sp));

    /// <summary>The listeners bound by <see cref="OwnSocketsTransport"/> (filled as Kestrel's options are built, read when it binds).</summary>
    public HashSet<object> OwnSocketEndpoints { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>True once the front is built and the config leaves the fast path something to forward.</summary>
    public bool Serving => _services is not null && Table.Enabled;

    /// <summary>Balancer:Limits:MaxConcurrentConnections reached, over all listeners and both transports.</summary>
    public bool OverConnectionLimit => _maxConnections is { } max && Drain.Open >= max;

    /// <summary>Connects the fast path to the front's services once the app is built (before it starts).</summary>
    public void Attach(IServiceProvider services)
    {
        Metrics = services.GetRequiredService<L7Metrics>();
        Traffic = services.GetRequiredService<TrafficRecorder>();
        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("LoadBalancer.FastPath");
        _services = services;
        _heartbeat = new Timer(static s => ((Http1FastPath)s!).Beat(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Takes a new config's routes (after YARP has it): rebuilt now, and once more a second later.</summary>
    public void Apply(BalancerConfig config)
    {
        lock (_gate)
        {
            _config = config;
        }
        _dirty = true;
        Volatile.Write(ref _recheckAt, Environment.TickCount64 + 1000);
        // Now rather than at the next request, so the log says at once what the new config leaves to YARP.
        Rebuild();
    }

    /// <summary>The routes as the fast path sees them now.</summary>
    public FastRouteTable Table => _dirty ? Rebuild() : _table;

    private FastRouteTable Rebuild()
    {
        lock (_gate)
        {
            if (!_dirty || _services is not { } s)
            {
                return _table;
            }
            _dirty = false;
            _table = FastRouteTable.Build(_config, s.GetRequiredService<IProxyStateLookup>(), s.GetServices<ILoadBalancingPolicy>(),
                s.GetServices<IPassiveHealthCheckPolicy>(), Metrics);
            // Said once per change: which requests the fast path leaves to YARP, and why.
            var summary = _table.Summary();
            if (summary != _lastSummary)
            {
                _lastSummary = summary;
                LogTable(_logger, summary);
            }
            return _table;
        }
    }

    /// <summary>The connection middleware for one listener (on Kestrel's transport).</summary>
    public ConnectionDelegate Use(ConnectionDelegate next) => async connection =>
    {
        if (!Serving || await ServeAsync(connection, ownSockets: false))
        {
            await next(connection);
        }
    };

    /// <summary>Serves a connection until it ends (false) or a request on it is for Kestrel and YARP (true: hand it over).</summary>
    public async Task<bool> ServeAsync(ConnectionContext connection, bool ownSockets)
    {
        var open = ownSockets ? _openOwn : _openKestrel;
        open.Inc();
        var fast = new FastConnection(this, connection);
        _connections.TryAdd(fast, 0);
        var handOver = false;
        try
        {
            handOver = await fast.RunAsync();
        }
        catch (Exception e) when (e is ConnectionAbortedException or IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            _connections.TryRemove(fast, out _);
            fast.Dispose();
            open.Dec();
        }
        if (handOver)
        {
            HandedOver.Inc();
        }
        return handOver;
    }

    private void Beat()
    {
        var now = Environment.TickCount64;
        foreach (var c in _connections.Keys)
        {
            c.CheckTimeout(now);
        }
        Destinations.CloseIdle(PoolIdleTimeoutMs);
        var recheck = Volatile.Read(ref _recheckAt);
        if (recheck != 0 && now >= recheck && Interlocked.CompareExchange(ref _recheckAt, 0, recheck) == recheck)
        {
            _dirty = true;
        }
    }

    public void Dispose() => _heartbeat?.Dispose();

    /// <summary>An unexpected failure on a connection of the fast path's own sockets.</summary>
    public void ConnectionFailed(Exception e) => LogConnectionFailed(_logger, e);

    [LoggerMessage(Level = LogLevel.Error, Message = "HTTP/1.1 fast path: a connection failed")]
    private static partial void LogConnectionFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP/1.1 fast path: {Summary}")]
    private static partial void LogTable(ILogger logger, string summary);
}
