using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.L7;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace LoadBalancer.Balancer.Hosting;

/// <summary>Turns a validated balancer config into what YARP runs, filling in the balancer-wide defaults.</summary>
internal static class ProxyConfigMapper
{
    /// <summary>Clusters with the default backend timeout applied where a cluster sets none, and availability decided by the balancer's health and admin state.</summary>
    public static IReadOnlyList<ClusterConfig> Clusters(BalancerConfig config) =>
        config.Clusters.Select(c =>
        {
            if (c.HttpRequest?.ActivityTimeout is null)
            {
                c = c with { HttpRequest = (c.HttpRequest ?? new ForwarderRequestConfig()) with { ActivityTimeout = config.Balancer.Limits.BackendTimeout } };
            }
            if (c.HealthCheck?.AvailableDestinationsPolicy is null)
            {
                c = c with { HealthCheck = (c.HealthCheck ?? new HealthCheckConfig()) with { AvailableDestinationsPolicy = BackendControlDestinationsPolicy.PolicyName } };
            }
            return c;
        }).ToList();

    /// <summary>Routes as YARP runs them: the balancer applies <c>RateLimiterPolicy</c> itself, so it is taken out (YARP would look for an ASP.NET policy of that name).</summary>
    public static IReadOnlyList<RouteConfig> Routes(BalancerConfig config) =>
        config.Routes.Select(r => r.RateLimiterPolicy is null ? r : r with { RateLimiterPolicy = null }).ToList();
}
