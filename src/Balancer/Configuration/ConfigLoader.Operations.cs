using System.Text.Json.Nodes;

namespace LoadBalancer.Balancer.Configuration;

public static partial class ConfigLoader
{
    /// <summary>Binds the operator sections of <c>Balancer</c>: the access log, rate-limiting policies and trusted proxies.</summary>
    private static BalancerOptions BindOperations(BalancerOptions result, string key, JsonNode? value, string baseDirectory, List<ConfigError> errors)
    {
        switch (key.ToLowerInvariant())
        {
            case "accesslog":
                var log = Bind<AccessLogConfig>(value, "Balancer:AccessLog", errors) ?? new AccessLogConfig();
                if (!string.Equals(log.Path, "stdout", StringComparison.OrdinalIgnoreCase) && log.Path.Length > 0)
                {
                    log = log with { Path = Path.GetFullPath(log.Path, baseDirectory) };
                }
                return result with { AccessLog = log };
            case "ratelimiting":
                var policies = new Dictionary<string, RateLimitPolicyConfig>(StringComparer.OrdinalIgnoreCase);
                if (value is JsonObject section)
                {
                    foreach (var (name, node) in section)
                    {
                        if (!string.Equals(name, "Policies", StringComparison.OrdinalIgnoreCase))
                        {
                            errors.Add(new ConfigError($"Balancer:RateLimiting:{name}", null, "is not a known key (known: Policies)"));
                            continue;
                        }
                        foreach (var (policy, policyNode) in Entries(node, "Balancer:RateLimiting:Policies", errors))
                        {
                            if (Bind<RateLimitPolicyConfig>(policyNode, $"Balancer:RateLimiting:Policies:{policy}", errors) is { } p)
                            {
                                policies[policy] = p;
                            }
                        }
                    }
                }
                else
                {
                    errors.Add(new ConfigError("Balancer:RateLimiting", Raw(value), "must be an object with a Policies object"));
                }
                return result with { RateLimiting = new RateLimitingConfig { Policies = policies } };
            default:
                return result with { TrustedProxies = Bind<List<string>>(value, "Balancer:TrustedProxies", errors) ?? [] };
        }
    }
}
