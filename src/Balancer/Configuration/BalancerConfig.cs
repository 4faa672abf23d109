using Yarp.ReverseProxy.Configuration;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>The whole validated config of one balancer: its own section, the YARP front and the demo backends.</summary>
public sealed record BalancerConfig
{
    /// <summary>Where the config came from (a file path, or "embedded:demo.json").</summary>
    public required string Source { get; init; }

    /// <summary>Listeners, admin endpoint and limits (the <c>Balancer</c> section).</summary>
    public required BalancerOptions Balancer { get; init; }

    /// <summary>YARP routes, with their ids filled in from the keys.</summary>
    public required IReadOnlyList<RouteConfig> Routes { get; init; }

    /// <summary>YARP clusters, with their ids filled in from the keys.</summary>
    public required IReadOnlyList<ClusterConfig> Clusters { get; init; }

    /// <summary>The L4 raw-packet engine (the <c>L4</c> section); no services means the engine does not start.</summary>
    public L4Config L4 { get; init; } = new();

    /// <summary>The L4 section as validation parsed it: what the engine, its routes and the control plane read.</summary>
    public L4Settings L4Settings { get; init; } = L4Settings.Empty;

    /// <summary>Active health checks and slow start per pool (the <c>Health:Pools</c> section), keyed by cluster id or L4 service name.</summary>
    public IReadOnlyDictionary<string, HealthPoolConfig> HealthPools { get; init; } = new Dictionary<string, HealthPoolConfig>();

    /// <summary>In-process demo backends to start (the <c>Demo</c> section); empty outside the demo.</summary>
    public IReadOnlyList<DemoBackendConfig> DemoBackends { get; init; } = [];
}

/// <summary>The <c>Balancer</c> section.</summary>
public sealed record BalancerOptions
{
    /// <summary>Front listeners (HTTP or HTTPS) that the L7 proxy serves on.</summary>
    public IReadOnlyList<ListenerConfig> Listeners { get; init; } = [];

    /// <summary>The admin endpoint (metrics, health, API).</summary>
    public AdminConfig Admin { get; init; } = new();

    /// <summary>Request limits applied to every front listener.</summary>
    public LimitsConfig Limits { get; init; } = new();

    /// <summary>Throughput settings of the L7 front.</summary>
    public TuningConfig Tuning { get; init; } = new();

    /// <summary>The access log of the L7 front (off by default).</summary>
    public AccessLogConfig AccessLog { get; init; } = new();

    /// <summary>Named rate-limiting policies for routes.</summary>
    public RateLimitingConfig RateLimiting { get; init; } = new();

    /// <summary>Peers (IPs or CIDR ranges) whose <c>X-Forwarded-For</c> names the client, for the access log and client-IP rate limits.</summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];
}

/// <summary>Throughput settings of the L7 front; each was measured with the benchmark harness (see the README for which are on by default).</summary>
public sealed record TuningConfig
{
    /// <summary>Run socket continuations inline on the socket engine's threads instead of the thread pool, on the client side (Kestrel's UnsafePreferInlineScheduling) and, under <c>balancer run</c>, the backend side too: fewer thread hops; safe because the proxy never blocks.</summary>
    public bool InlineSocketCompletions { get; set; } = true;

    /// <summary>Add W3C trace headers (traceparent) to proxied requests; off removes the diagnostics handler from every request.</summary>
    public bool PropagateTraceHeaders { get; set; } = true;

    /// <summary>Forward plain HTTP/1.1 requests on the balancer's own path (no Kestrel request pipeline, no YARP forwarder, no HttpClient) where the route needs nothing more; every other request goes through YARP as before.</summary>
    public bool Http1FastPath { get; set; } = true;

    /// <summary>Serve the fast path's listeners on the balancer's own sockets (no Kestrel transport, no pipes, until a request goes to YARP); false puts it on Kestrel's transport as connection middleware.</summary>
    public bool Http1FastPathOwnSockets { get; set; } = true;
}

/// <summary>One front listener.</summary>
public sealed record ListenerConfig
{
    /// <summary>Absolute URL to bind, e.g. <c>http://127.0.0.1:8080</c> or <c>https://0.0.0.0:8443</c>; port 0 picks a free port.</summary>
    public string Url { get; set; } = "";

    /// <summary>HTTP protocols offered: Http1, Http2, Http1AndHttp2. Default: Http1AndHttp2 (ALPN) on https, Http1 on http (HTTP/2 without TLS is prior-knowledge only: ask for Http2).</summary>
    public string? Protocols { get; init; }

    /// <summary>Certificate for an https URL.</summary>
    public CertificateConfig? Certificate { get; init; }

    /// <summary>PROXY protocol header expected before TLS/HTTP on every connection: off (default), v1, v2 or any.</summary>
    public string? ProxyProtocol { get; init; }

    /// <summary>Networks (CIDR, or single addresses) allowed to send a PROXY header; connections from elsewhere are closed. Required when <see cref="ProxyProtocol"/> is on.</summary>
    public EquatableList<string> ProxyProtocolTrusted { get; set; } = [];

    /// <summary>Where the client's address comes from: connection (default: the peer, or the PROXY header) or tcp-option (the TCP option this project's L4 full NAT writes into each SYN, honoured only from <see cref="ClientAddressTrusted"/>).</summary>
    public string? ClientAddressFrom { get; init; }

    /// <summary>Peers (CIDR, or single addresses: the full-NAT sources in front) whose client-address TCP option is believed. Required with <c>ClientAddressFrom: tcp-option</c>.</summary>
    public EquatableList<string> ClientAddressTrusted { get; set; } = [];

    /// <summary>Access log on (true) or off (false) for this listener; null follows <c>Balancer:AccessLog:Enabled</c>.</summary>
    public bool? AccessLog { get; init; }
}

/// <summary>A TLS certificate: a PEM certificate with a PEM key file, or a PFX file with an optional password.</summary>
public sealed record CertificateConfig
{
    /// <summary>Path to the certificate (.pem/.crt or .pfx/.p12), relative to the config file.</summary>
    public string Path { get; set; } = "";

    /// <summary>Path to the PEM private key (PEM only; omit when the key is in the certificate file).</summary>
    public string? KeyPath { get; init; }

    /// <summary>Password of the PFX file or of an encrypted PEM key.</summary>
    public string? Password { get; init; }
}

/// <summary>The admin endpoint.</summary>
public sealed record AdminConfig
{
    /// <summary>URL of the admin listener; loopback by default.</summary>
    public string Url { get; set; } = "http://127.0.0.1:9100";

    /// <summary>Bearer token required for the admin API; mandatory when <see cref="Url"/> is not loopback.</summary>
    public string? Token { get; init; }
}

/// <summary>Limits applied to the front.</summary>
public sealed record LimitsConfig
{
    /// <summary>Largest request body accepted, in bytes; larger gets 413.</summary>
    public long MaxRequestBodySize { get; set; } = 30_000_000;

    /// <summary>Default time a backend may stay silent before the client gets 504 (a cluster's HttpRequest:ActivityTimeout overrides it).</summary>
    public TimeSpan BackendTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Time allowed to receive the request headers; slower clients are cut off.</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an idle keep-alive connection from a client is kept.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(130);

    /// <summary>How many other destinations an idempotent, bodiless request is tried on when the connection to the chosen one fails (0: never).</summary>
    public int ConnectRetries { get; set; } = 1;

    /// <summary>Most client connections at once per listener (null: unlimited).</summary>
    public long? MaxConcurrentConnections { get; init; }

    /// <summary>0: the front listens at start. Otherwise it listens once every pool has a backend taking requests (or after this long), so a restarted balancer takes no request it would answer 503.</summary>
    public TimeSpan StartupReadyTimeout { get; init; }

    /// <summary>On SIGTERM or Ctrl+C: how long keep-alive client connections may take to end (each closes after its next response) before the rest are closed.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>An in-process demo backend that answers every request with its own name.</summary>
public sealed record DemoBackendConfig
{
    /// <summary>The name it answers with.</summary>
    public string Name { get; set; } = "";

    /// <summary>URL it listens on (loopback).</summary>
    public string Url { get; set; } = "";
}

/// <summary>One pool's entry in the <c>Health:Pools</c> section.</summary>
public sealed record HealthPoolConfig
{
    /// <summary>The active check; null means no check (backends count as healthy, admin drain/maint/weight still apply).</summary>
    public LoadBalancer.Health.HealthCheckOptions? Check { get; init; }

    /// <summary>A backend that becomes healthy ramps its weight from 10% to 100% over this time (0: no ramp).</summary>
    public TimeSpan SlowStart { get; init; }
}
