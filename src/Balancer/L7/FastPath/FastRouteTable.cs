using System.Text;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.L7.LoadBalancing;
using LoadBalancer.Balancer.Metrics;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7.FastPath;

/// <summary>
/// One route as the fast path matches it (literal path segments, an optional catch-all, exact hosts, methods) and, when
/// it can forward it itself, the cluster and policies to use. <see cref="Cluster"/> null: a request on this route goes
/// to YARP (the route needs a feature the fast path leaves to YARP; <see cref="HandOverReason"/> says which).
/// </summary>
internal sealed class FastRoute
{
    public required string RouteId { get; init; }
    public required int Order { get; init; }
    public required string[] Segments { get; init; }
    public required bool CatchAll { get; init; }
    public required string[]? Hosts { get; init; }
    public required string[]? Methods { get; init; }
    public ClusterState? Cluster { get; init; }
    public ILoadBalancingPolicy? Balancing { get; init; }
    public IPassiveHealthCheckPolicy? PassiveHealth { get; init; }
    public long MaxBodySize { get; init; }
    public TimeSpan ActivityTimeout { get; init; }
    public string? HandOverReason { get; init; }
    public (Prometheus.Histogram.Child Duration, Prometheus.Gauge.Child Active) Children { get; init; }

    /// <summary>ASP.NET Core's inbound precedence for these patterns: a literal segment counts 1, a catch-all 5, each next segment a tenth less.</summary>
    public decimal Precedence
    {
        get
        {
            decimal p = 0, scale = 1;
            foreach (var _ in Segments)
            {
                p += scale;
                scale /= 10;
            }
            return CatchAll ? p + 5 * scale : p;
        }
    }

    public bool Matches(ReadOnlySpan<byte> method, ReadOnlySpan<byte> path, ReadOnlySpan<byte> host)
    {
        if (Methods is not null && !AnyEquals(Methods, method))
        {
            return false;
        }
        if (Hosts is not null && !HostMatches(host))
        {
            return false;
        }
        // path starts with '/'; compare segment by segment, a trailing '/' is allowed.
        var rest = path[1..];
        foreach (var segment in Segments)
        {
            var slash = rest.IndexOf((byte)'/');
            var current = slash < 0 ? rest : rest[..slash];
            if (!Ascii.EqualsIgnoreCase(current, segment))
            {
                return false;
            }
            rest = slash < 0 ? [] : rest[(slash + 1)..];
        }
        return CatchAll || rest.IsEmpty;
    }

    private bool HostMatches(ReadOnlySpan<byte> host)
    {
        var name = host;
        if (host[0] == (byte)'[')
        {
            name = host[..(host.IndexOf((byte)']') + 1)];
        }
        else if (host.IndexOf((byte)':') is >= 0 and var colon)
        {
            name = host[..colon];
        }
        foreach (var h in Hosts!)
        {
            // A route host without a port matches any port; with one, only that port.
            var hasPort = h.StartsWith('[') ? h.Contains("]:", StringComparison.Ordinal) : h.Contains(':');
            if (Ascii.EqualsIgnoreCase(hasPort ? host : name, h))
            {
                return true;
            }
        }
        return false;
    }

    private static bool AnyEquals(string[] values, ReadOnlySpan<byte> value)
    {
        foreach (var v in values)
        {
            if (Ascii.Equals(value, v))
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>
/// The routes of the running config in the order ASP.NET Core routing tries them (Order, then precedence, then routes
/// with hosts or methods before those without). When any route uses a match the fast path cannot evaluate (parameters,
/// headers, query values, wildcard hosts), <see cref="Enabled"/> is false and every request goes to YARP.
/// </summary>
internal sealed class FastRouteTable
{
    public static readonly FastRouteTable Disabled = new([], "no config");

    private FastRouteTable(FastRoute[] routes, string? disabledReason)
    {
        Routes = routes;
        DisabledReason = disabledReason;
    }

    public FastRoute[] Routes { get; }

    public string? DisabledReason { get; }

    public bool Enabled => DisabledReason is null;

    /// <summary>For the log: off (and why), or the routes left to YARP with their reasons.</summary>
    public string Summary()
    {
        if (!Enabled)
        {
            return $"off, every request goes to YARP ({DisabledReason})";
        }
        var left = Routes.Where(r => r.HandOverReason is not null).Select(r => $"{r.RouteId} ({r.HandOverReason})").ToList();
        return left.Count == 0 ? $"forwards plain HTTP/1.1 on all {Routes.Length} routes"
            : $"forwards plain HTTP/1.1 on {Routes.Length - left.Count} of {Routes.Length} routes; left to YARP: {string.Join(", ", left)}";
    }

    /// <summary>The first matching route, or null (no route: YARP answers 404).</summary>
    public FastRoute? Match(ReadOnlySpan<byte> method, ReadOnlySpan<byte> path, ReadOnlySpan<byte> host)
    {
        foreach (var route in Routes)
        {
            if (route.Matches(method, path, host))
            {
                return route;
            }
        }
        return null;
    }

    public static FastRouteTable Build(BalancerConfig config, IProxyStateLookup lookup, IEnumerable<ILoadBalancingPolicy> balancing,
        IEnumerable<IPassiveHealthCheckPolicy> passive, L7Metrics metrics)
    {
        var routes = new List<FastRoute>();
        foreach (var r in config.Routes)
        {
            if (!TryParsePattern(r, out var segments, out var catchAll, out var why))
            {
                return new FastRouteTable([], $"route {r.RouteId}: {why}");
            }
            lookup.TryGetCluster(r.ClusterId ?? "", out var cluster);
            var reason = HandOverReason(r, cluster?.Model.Config, config);
            var policyName = cluster?.Model.Config.LoadBalancingPolicy ?? LoadBalancingPolicies.PowerOfTwoChoices;
            var policy = balancing.FirstOrDefault(p => string.Equals(p.Name, policyName, StringComparison.OrdinalIgnoreCase));
            var passiveName = cluster?.Model.Config.HealthCheck?.Passive is { Enabled: true } pc ? pc.Policy ?? HealthCheckConstants.PassivePolicy.TransportFailureRate : null;
            var passivePolicy = passiveName is null ? null : passive.FirstOrDefault(p => string.Equals(p.Name, passiveName, StringComparison.OrdinalIgnoreCase));
            reason ??= cluster is null ? "no cluster" : policy is null ? $"load balancing policy {policyName}" : passiveName is not null && passivePolicy is null ? $"passive policy {passiveName}" : null;
            routes.Add(new FastRoute
            {
                RouteId = r.RouteId,
                Order = r.Order ?? 0,
                Segments = segments,
                CatchAll = catchAll,
                Hosts = r.Match.Hosts is { Count: > 0 } hosts ? hosts.ToArray() : null,
                Methods = r.Match.Methods is { Count: > 0 } methods ? methods.Select(m => m.ToUpperInvariant()).ToArray() : null,
                Cluster = reason is null ? cluster : null,
                Balancing = policy,
                PassiveHealth = passivePolicy,
                MaxBodySize = Math.Min(r.MaxRequestBodySize is > 0 and var max ? max : long.MaxValue, config.Balancer.Limits.MaxRequestBodySize),
                ActivityTimeout = cluster?.Model.Config.HttpRequest?.ActivityTimeout ?? config.Balancer.Limits.BackendTimeout,
                HandOverReason = reason,
                Children = metrics.RouteChildren(r.RouteId, r.ClusterId ?? ""),
            });
        }
        var ordered = routes.OrderBy(r => r.Order).ThenBy(r => r.Precedence).ThenBy(r => r.Hosts is null).ThenBy(r => r.Methods is null).ToArray();
        return new FastRouteTable(ordered, null);
    }

    private static bool TryParsePattern(RouteConfig route, out string[] segments, out bool catchAll, out string why)
    {
        segments = [];
        catchAll = false;
        why = "";
        var match = route.Match;
        if (match.Headers is { Count: > 0 } || match.QueryParameters is { Count: > 0 })
        {
            why = "matches headers or query parameters";
            return false;
        }
        if (match.Hosts?.Any(h => h.Contains('*')) == true)
        {
            why = "wildcard host";
            return false;
        }
        var path = match.Path;
        if (path is null)
        {
            catchAll = true;
            return true;
        }
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var list = new List<string>();
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (i == parts.Length - 1 && part.StartsWith("{*", StringComparison.Ordinal) && part.EndsWith('}') && !part.Contains(':') && !part.Contains('='))
            {
                catchAll = true;
            }
            else if (part.IndexOfAny(['{', '}', '?', '*']) >= 0)
            {
                why = $"path pattern {path}";
                return false;
            }
            else
            {
                list.Add(part);
            }
        }
        segments = list.ToArray();
        return true;
    }

    /// <summary>Why requests on this route go to YARP: a feature the fast path does not do itself.</summary>
    private static string? HandOverReason(RouteConfig route, ClusterConfig? cluster, BalancerConfig config)
    {
        if (route.Transforms is { Count: > 0 }) return "transforms";
        if (route.RateLimiterPolicy is not null) return "rate limit";
        if (route.Timeout is not null || route.TimeoutPolicy is not null) return "route timeout";
        if (route.AuthorizationPolicy is not null || route.CorsPolicy is not null || route.OutputCachePolicy is not null) return "authorization, CORS or output cache";
        if (cluster is null) return null;
        if (cluster.SessionAffinity?.Enabled == true) return "session affinity";
        if (string.Equals(cluster.LoadBalancingPolicy, ConsistentHashPolicy.PolicyName, StringComparison.OrdinalIgnoreCase)) return "consistent hash";
        if (cluster.Metadata?.ContainsKey(Configuration.ProxyProtocolSettings.ClusterMetadataKey) == true) return "PROXY protocol to backends";
        if (cluster.HttpClient is { } client && (client.WebProxy is not null || client.MaxConnectionsPerServer is not null
            || client.RequestHeaderEncoding is not null || client.ResponseHeaderEncoding is not null))
        {
            return "HttpClient settings";
        }
        if (cluster.HttpRequest?.Version is { Major: >= 2 } && cluster.HttpRequest.VersionPolicy is System.Net.Http.HttpVersionPolicy.RequestVersionExact
            or System.Net.Http.HttpVersionPolicy.RequestVersionOrHigher)
        {
            return "HTTP/2 to backends";
        }
        if (cluster.Destinations?.Values.Any(d => !d.Address.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) == true) return "https backends";
        return null;
    }
}
