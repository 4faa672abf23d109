using System.Globalization;
using LoadBalancer.Balancer.L7.LoadBalancing;
using LoadBalancer.Modes.Forwarding;
using Yarp.ReverseProxy.Configuration;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>Checks a bound config for everything binding cannot see (references, ranges, files, policy names) and adds every problem to the list.</summary>
public static class ConfigValidator
{
    private static readonly HashSet<string> Protocols = new(["Http1", "Http2", "Http1AndHttp2"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Destination metadata key holding the weight used by weighted policies.</summary>
    public const string WeightMetadataKey = "Weight";

    /// <summary>Cluster metadata key choosing what the ConsistentHash policy hashes.</summary>
    public const string HashKeyMetadataKey = "HashKey";

    /// <summary>Validates the config, appends every problem to <paramref name="errors"/> and returns the L4 section parsed (meaningful only when no error was added).</summary>
    /// <param name="config">The bound config.</param>
    /// <param name="context">Registered policies and YARP's validator.</param>
    /// <param name="declaredClusterIds">Every cluster id in the file, including clusters that failed to bind (so routes to them are not reported twice).</param>
    /// <param name="errors">Where problems are added.</param>
    public static async Task<L4Settings> ValidateAsync(BalancerConfig config, ConfigValidationContext context, IEnumerable<string> declaredClusterIds, List<ConfigError> errors)
    {
        ValidateBalancer(config.Balancer, errors);
        ValidateDemo(config.DemoBackends, errors);
        var l4 = L4ConfigValidator.Validate(config.L4, errors);
        ValidateHealth(config, l4, errors);
        OperationsConfigValidator.Validate(config, errors);
        var clusterIds = declaredClusterIds.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var route in config.Routes)
        {
            var before = errors.Count;
            ValidateRoute(route, clusterIds, errors);
            if (errors.Count == before)
            {
                // The balancer applies RateLimiterPolicy itself (policies can change on reload), so YARP never sees it.
                AddProxyErrors(await context.ProxyValidator.ValidateRouteAsync(route with { RateLimiterPolicy = null }), $"ReverseProxy:Routes:{route.RouteId}", errors);
            }
        }
        foreach (var cluster in config.Clusters)
        {
            var before = errors.Count;
            ValidateCluster(cluster, context, errors);
            if (errors.Count == before)
            {
                AddProxyErrors(await context.ProxyValidator.ValidateClusterAsync(cluster), $"ReverseProxy:Clusters:{cluster.ClusterId}", errors);
            }
        }
        return l4;
    }

    private static void AddProxyErrors(IList<Exception> exceptions, string path, List<ConfigError> errors)
    {
        foreach (var e in exceptions)
        {
            errors.Add(new ConfigError(path, null, e.Message));
        }
    }

    private static void ValidateBalancer(BalancerOptions b, List<ConfigError> errors)
    {
        var endpoints = new Dictionary<(string, int), string>();
        for (var i = 0; i < b.Listeners.Count; i++)
        {
            var l = b.Listeners[i];
            var path = $"Balancer:Listeners:{i}";
            if (!ListenerUrl.TryParse(l.Url, out var url, out var urlError))
            {
                errors.Add(new ConfigError($"{path}:Url", l.Url, urlError));
                continue;
            }
            if (url.Port != 0 && !endpoints.TryAdd((url.Address.ToString(), url.Port), path))
            {
                errors.Add(new ConfigError($"{path}:Url", l.Url, $"binds the same address and port as {endpoints[(url.Address.ToString(), url.Port)]}"));
            }
            if (l.Protocols is not null && !Protocols.Contains(l.Protocols))
            {
                errors.Add(new ConfigError($"{path}:Protocols", l.Protocols, "is not one of Http1, Http2, Http1AndHttp2"));
            }
            if (url.IsHttps && l.Certificate is null)
            {
                errors.Add(new ConfigError($"{path}:Certificate", null, "is required for an https listener"));
            }
            if (!url.IsHttps && l.Certificate is not null)
            {
                errors.Add(new ConfigError($"{path}:Certificate", l.Certificate.Path, "is set but the listener URL is http, not https"));
            }
            if (url.IsHttps && l.Certificate is not null)
            {
                ValidateCertificate(l.Certificate, $"{path}:Certificate", errors);
            }
            ProxyProtocolSettings.ValidateListener(l, path, errors);
            ClientAddressSettings.ValidateListener(l, path, errors);
        }

        if (!ListenerUrl.TryParse(b.Admin.Url, out var admin, out var adminError))
        {
            errors.Add(new ConfigError("Balancer:Admin:Url", b.Admin.Url, adminError));
        }
        else
        {
            if (!admin.IsLoopback && string.IsNullOrEmpty(b.Admin.Token))
            {
                errors.Add(new ConfigError("Balancer:Admin:Token", null, $"is required because Balancer:Admin:Url '{b.Admin.Url}' is not a loopback address"));
            }
            if (admin.Port != 0 && endpoints.TryGetValue((admin.Address.ToString(), admin.Port), out var clash))
            {
                errors.Add(new ConfigError("Balancer:Admin:Url", b.Admin.Url, $"binds the same address and port as {clash}"));
            }
        }
        if (b.Admin.Token is { Length: > 0 and < 16 })
        {
            errors.Add(new ConfigError("Balancer:Admin:Token", "(hidden)", "is shorter than 16 characters"));
        }

        var lim = b.Limits;
        if (lim.MaxRequestBodySize <= 0)
        {
            errors.Add(new ConfigError("Balancer:Limits:MaxRequestBodySize", Str(lim.MaxRequestBodySize), "must be greater than 0"));
        }
        CheckPositive(lim.BackendTimeout, "Balancer:Limits:BackendTimeout", errors);
        if (lim.ConnectRetries is < 0 or > 10)
        {
            errors.Add(new ConfigError("Balancer:Limits:ConnectRetries", Str(lim.ConnectRetries), "must be from 0 to 10"));
        }
        CheckPositive(lim.RequestHeadersTimeout, "Balancer:Limits:RequestHeadersTimeout", errors);
        CheckPositive(lim.KeepAliveTimeout, "Balancer:Limits:KeepAliveTimeout", errors);
        if (lim.MaxConcurrentConnections is <= 0)
        {
            errors.Add(new ConfigError("Balancer:Limits:MaxConcurrentConnections", Str(lim.MaxConcurrentConnections.Value), "must be greater than 0 (or omitted for no limit)"));
        }
        CheckRange(lim.StartupReadyTimeout, MaxRestartWait, "Balancer:Limits:StartupReadyTimeout", errors);
        CheckRange(lim.ShutdownTimeout, MaxRestartWait, "Balancer:Limits:ShutdownTimeout", errors);
    }

    private static void ValidateCertificate(CertificateConfig c, string path, List<ConfigError> errors)
    {
        if (string.IsNullOrEmpty(c.Path) || !File.Exists(c.Path))
        {
            errors.Add(new ConfigError($"{path}:Path", c.Path, "names no readable file"));
            return;
        }
        if (c.KeyPath is { Length: > 0 } && !File.Exists(c.KeyPath))
        {
            errors.Add(new ConfigError($"{path}:KeyPath", c.KeyPath, "names no readable file"));
            return;
        }
        try
        {
            using var cert = CertificateLoader.Load(c);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or ArgumentException)
        {
            errors.Add(new ConfigError($"{path}:Path", c.Path, $"cannot be loaded as a certificate with its key: {e.Message}"));
        }
    }

    private static void ValidateHealth(BalancerConfig config, L4Settings l4, List<ConfigError> errors)
    {
        var pools = config.Clusters.Select(c => c.ClusterId).Concat(config.L4.Services.Keys).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, pool) in config.HealthPools)
        {
            var path = $"Health:Pools:{name}";
            if (!pools.Contains(name))
            {
                errors.Add(new ConfigError(path, null, "names no cluster in ReverseProxy:Clusters and no service in L4:Services"));
            }
            if (pool.SlowStart < TimeSpan.Zero)
            {
                errors.Add(new ConfigError($"{path}:SlowStart", pool.SlowStart.ToString("c", CultureInfo.InvariantCulture), "must not be negative"));
            }
            if (pool.Check is { } check && string.Equals(check.Probe, "datapath", StringComparison.OrdinalIgnoreCase)
                && !(l4.Services.TryGetValue(name, out var service) && service.Mode is ForwardingModeKind.Dsr or ForwardingModeKind.Tunnel))
            {
                errors.Add(new ConfigError($"{path}:Check:Probe", check.Probe,
                    "is only for L4 dsr and tunnel services (a nat backend's tcp check already takes the data path)"));
            }
            foreach (var message in pool.Check?.Validate($"{path}:Check") ?? [])
            {
                // The health library phrases its errors as "path: 'value' problem" already.
                var colon = message.IndexOf(": ", StringComparison.Ordinal);
                errors.Add(new ConfigError(message[..colon], null, message[(colon + 2)..]));
            }
        }
    }

    private static void ValidateDemo(IReadOnlyList<DemoBackendConfig> demo, List<ConfigError> errors)
    {
        for (var i = 0; i < demo.Count; i++)
        {
            var d = demo[i];
            if (string.IsNullOrWhiteSpace(d.Name))
            {
                errors.Add(new ConfigError($"Demo:Backends:{i}:Name", d.Name, "must not be empty"));
            }
            if (!ListenerUrl.TryParse(d.Url, out var url, out var error))
            {
                errors.Add(new ConfigError($"Demo:Backends:{i}:Url", d.Url, error));
            }
            else if (!url.IsLoopback || url.IsHttps)
            {
                errors.Add(new ConfigError($"Demo:Backends:{i}:Url", d.Url, "must be an http URL on a loopback address"));
            }
        }
    }

    private static void ValidateRoute(RouteConfig route, HashSet<string> clusterIds, List<ConfigError> errors)
    {
        var path = $"ReverseProxy:Routes:{route.RouteId}";
        if (string.IsNullOrEmpty(route.ClusterId))
        {
            errors.Add(new ConfigError($"{path}:ClusterId", null, "is required"));
        }
        else if (!clusterIds.Contains(route.ClusterId))
        {
            errors.Add(new ConfigError($"{path}:ClusterId", route.ClusterId, "names no cluster in ReverseProxy:Clusters"));
        }
        if (route.Match is null || (string.IsNullOrEmpty(route.Match.Path) && (route.Match.Hosts is null || route.Match.Hosts.Count == 0)))
        {
            errors.Add(new ConfigError($"{path}:Match", null, "needs a Path or Hosts"));
        }
        if (route.MaxRequestBodySize is < -1)
        {
            errors.Add(new ConfigError($"{path}:MaxRequestBodySize", Str(route.MaxRequestBodySize.Value), "must be -1 (no limit) or more"));
        }
        if (route.Timeout is { } t && t <= TimeSpan.Zero)
        {
            errors.Add(new ConfigError($"{path}:Timeout", t.ToString("c", CultureInfo.InvariantCulture), "must be greater than 0"));
        }
    }

    private static void ValidateCluster(ClusterConfig cluster, ConfigValidationContext context, List<ConfigError> errors)
    {
        var path = $"ReverseProxy:Clusters:{cluster.ClusterId}";
        if (cluster.LoadBalancingPolicy is { Length: > 0 } policy && !context.LoadBalancingPolicies.Contains(policy))
        {
            errors.Add(new ConfigError($"{path}:LoadBalancingPolicy", policy,
                $"is not a known policy (known: {string.Join(", ", context.LoadBalancingPolicies.Order(StringComparer.Ordinal))})"));
        }
        if (cluster.SessionAffinity is { Enabled: true } affinity)
        {
            if (affinity.Policy is { Length: > 0 } ap && !context.AffinityPolicies.Contains(ap))
            {
                errors.Add(new ConfigError($"{path}:SessionAffinity:Policy", ap,
                    $"is not a known affinity policy (known: {string.Join(", ", context.AffinityPolicies.Order(StringComparer.Ordinal))})"));
            }
            if (string.IsNullOrEmpty(affinity.AffinityKeyName))
            {
                errors.Add(new ConfigError($"{path}:SessionAffinity:AffinityKeyName", null, "is required when session affinity is enabled"));
            }
        }
        if (cluster.HttpRequest?.ActivityTimeout is { } at && at <= TimeSpan.Zero)
        {
            errors.Add(new ConfigError($"{path}:HttpRequest:ActivityTimeout", at.ToString("c", CultureInfo.InvariantCulture), "must be greater than 0"));
        }
        if (cluster.Metadata?.TryGetValue(HashKeyMetadataKey, out var hashKey) == true && !ConsistentHashPolicy.TryParseHashKey(hashKey, out _, out _))
        {
            errors.Add(new ConfigError($"{path}:Metadata:{HashKeyMetadataKey}", hashKey, "is not ClientIp, Header:<name> or Cookie:<name>"));
        }
        ProxyProtocolSettings.ValidateCluster(cluster.Metadata, path, errors);
        if (cluster.Destinations is null || cluster.Destinations.Count == 0)
        {
            errors.Add(new ConfigError($"{path}:Destinations", null, "must list at least one destination"));
            return;
        }
        foreach (var (id, d) in cluster.Destinations)
        {
            var dpath = $"{path}:Destinations:{id}";
            if (!IsHttpUrl(d.Address))
            {
                errors.Add(new ConfigError($"{dpath}:Address", d.Address, "is not an absolute http(s) URL"));
            }
            if (d.Health is { Length: > 0 } health && !IsHttpUrl(health))
            {
                errors.Add(new ConfigError($"{dpath}:Health", health, "is not an absolute http(s) URL"));
            }
            if (d.Metadata?.TryGetValue(WeightMetadataKey, out var w) == true && !DestinationWeights.TryParse(w, out _))
            {
                errors.Add(new ConfigError($"{dpath}:Metadata:{WeightMetadataKey}", w, $"is not a whole number from 0 to {DestinationWeights.MaxWeight}"));
            }
        }
    }

    private static bool IsHttpUrl(string? s) =>
        Uri.TryCreate(s, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps) && u.Host.Length > 0;

    private static void CheckPositive(TimeSpan t, string path, List<ConfigError> errors)
    {
        if (t <= TimeSpan.Zero)
        {
            errors.Add(new ConfigError(path, t.ToString("c", CultureInfo.InvariantCulture), "must be greater than 0"));
        }
    }

    /// <summary>Longest start-up or shutdown wait accepted: longer is a typo (ms for s) more often than a wish.</summary>
    private static readonly TimeSpan MaxRestartWait = TimeSpan.FromMinutes(10);

    private static void CheckRange(TimeSpan t, TimeSpan max, string path, List<ConfigError> errors)
    {
        if (t < TimeSpan.Zero || t > max)
        {
            errors.Add(new ConfigError(path, t.ToString("c", CultureInfo.InvariantCulture), $"must be from 0 to {max.ToString("c", CultureInfo.InvariantCulture)}"));
        }
    }

    private static string Str(long v) => v.ToString(CultureInfo.InvariantCulture);
}
