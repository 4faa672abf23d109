using System.Globalization;
using System.Net;
using Yarp.ReverseProxy.Configuration;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>Checks the access log, rate-limiting policies, trusted proxies and the routes' <c>RateLimiterPolicy</c> references.</summary>
internal static class OperationsConfigValidator
{
    private static readonly string[] Formats = ["json", "combined", "common"];
    private static readonly string[] Kinds = ["TokenBucket", "FixedWindow", "SlidingWindow", "Concurrency"];

    public static void Validate(BalancerConfig config, List<ConfigError> errors)
    {
        var b = config.Balancer;
        var log = b.AccessLog;
        if (!Formats.Contains(log.Format, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(new ConfigError("Balancer:AccessLog:Format", log.Format, "is not one of json, combined, common"));
        }
        if (string.IsNullOrWhiteSpace(log.Path))
        {
            errors.Add(new ConfigError("Balancer:AccessLog:Path", log.Path, "must be stdout or a file path"));
        }
        else if (!string.Equals(log.Path, "stdout", StringComparison.OrdinalIgnoreCase) && !Directory.Exists(Path.GetDirectoryName(log.Path)))
        {
            errors.Add(new ConfigError("Balancer:AccessLog:Path", log.Path, "is in a directory that does not exist"));
        }
        if (log.QueueSize is < 1 or > 1_000_000)
        {
            errors.Add(new ConfigError("Balancer:AccessLog:QueueSize", Str(log.QueueSize), "must be from 1 to 1000000"));
        }
        for (var i = 0; i < b.TrustedProxies.Count; i++)
        {
            if (!TryParseNetwork(b.TrustedProxies[i], out _))
            {
                errors.Add(new ConfigError($"Balancer:TrustedProxies:{i}", b.TrustedProxies[i], "is not an IP address or CIDR range (e.g. 10.0.0.0/8)"));
            }
        }
        foreach (var (name, policy) in b.RateLimiting.Policies)
        {
            ValidatePolicy(policy, $"Balancer:RateLimiting:Policies:{name}", errors);
        }
        foreach (var route in config.Routes)
        {
            if (route.RateLimiterPolicy is { } p && !b.RateLimiting.Policies.ContainsKey(p))
            {
                var known = b.RateLimiting.Policies.Count == 0 ? "none defined" : "known: " + string.Join(", ", b.RateLimiting.Policies.Keys.Order(StringComparer.Ordinal));
                errors.Add(new ConfigError($"ReverseProxy:Routes:{route.RouteId}:RateLimiterPolicy", p, $"names no policy in Balancer:RateLimiting:Policies ({known})"));
            }
        }
    }

    /// <summary>Parses <c>10.0.0.0/8</c> or a single address (a /32 or /128 range).</summary>
    public static bool TryParseNetwork(string text, out IPNetwork network)
    {
        if (IPNetwork.TryParse(text, out network))
        {
            return true;
        }
        if (IPAddress.TryParse(text, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return false;
    }

    private static void ValidatePolicy(RateLimitPolicyConfig p, string path, List<ConfigError> errors)
    {
        var kind = Kinds.FirstOrDefault(k => string.Equals(k, p.Kind, StringComparison.OrdinalIgnoreCase));
        if (kind is null)
        {
            errors.Add(new ConfigError($"{path}:Kind", p.Kind, "is not one of TokenBucket, FixedWindow, SlidingWindow, Concurrency"));
            return;
        }
        Positive(p.PermitLimit, $"{path}:PermitLimit", required: true, errors);
        if (p.QueueLimit < 0)
        {
            errors.Add(new ConfigError($"{path}:QueueLimit", Str(p.QueueLimit), "must not be negative"));
        }
        bool window = kind is "FixedWindow" or "SlidingWindow";
        Applies(p.Window, window, $"{path}:Window", kind, errors);
        Applies(p.SegmentsPerWindow, kind == "SlidingWindow", $"{path}:SegmentsPerWindow", kind, errors);
        Applies(p.TokensPerPeriod, kind == "TokenBucket", $"{path}:TokensPerPeriod", kind, errors);
        Applies(p.ReplenishmentPeriod, kind == "TokenBucket", $"{path}:ReplenishmentPeriod", kind, errors);
        if (window)
        {
            Positive(p.Window, $"{path}:Window", errors);
        }
        if (kind == "SlidingWindow")
        {
            Positive(p.SegmentsPerWindow, $"{path}:SegmentsPerWindow", required: true, errors);
        }
        if (kind == "TokenBucket")
        {
            Positive(p.TokensPerPeriod, $"{path}:TokensPerPeriod", required: true, errors);
            Positive(p.ReplenishmentPeriod, $"{path}:ReplenishmentPeriod", errors);
        }
        if (!RateLimitKey.TryParse(p.Key, out _))
        {
            errors.Add(new ConfigError($"{path}:Key", p.Key, "is not ClientIp, Route or Header:<name>"));
        }
    }

    private static void Applies<T>(T? value, bool applies, string path, string kind, List<ConfigError> errors) where T : struct
    {
        if (value is { } v && !applies)
        {
            errors.Add(new ConfigError(path, Convert.ToString(v, CultureInfo.InvariantCulture), $"does not apply to a {kind} policy"));
        }
    }

    private static void Positive(int? value, string path, bool required, List<ConfigError> errors)
    {
        if (value is null)
        {
            if (required)
            {
                errors.Add(new ConfigError(path, null, "is required"));
            }
        }
        else if (value <= 0)
        {
            errors.Add(new ConfigError(path, Str(value.Value), "must be greater than 0"));
        }
    }

    private static void Positive(TimeSpan? value, string path, List<ConfigError> errors)
    {
        if (value is null)
        {
            errors.Add(new ConfigError(path, null, "is required"));
        }
        else if (value <= TimeSpan.Zero)
        {
            errors.Add(new ConfigError(path, value.Value.ToString("c", CultureInfo.InvariantCulture), "must be greater than 0"));
        }
    }

    private static string Str(long v) => v.ToString(CultureInfo.InvariantCulture);
}
