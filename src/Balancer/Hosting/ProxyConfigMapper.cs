using LoadBalancer.Balancer.Configuration;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace LoadBalancer.Balancer.Hosting;

/// <summary>Turns a validated balancer config into what YARP runs, filling in the balancer-wide defaults.</summary>
internal static class ProxyConfigMapper
{
    /// <summary>Clusters with the default backend timeout applied where a cluster sets none.</summary>
    public static IReadOnlyList<ClusterConfig> Clusters(BalancerConfig config) =>
        config.Clusters.Select(c => c.HttpRequest?.ActivityTimeout is not null
            ? c
            : c with { HttpRequest = (c.HttpRequest ?? new ForwarderRequestConfig()) with { ActivityTimeout = config.Balancer.Limits.BackendTimeout } })
        .ToList();
}
