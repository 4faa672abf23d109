using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.LoadBalancing;

namespace LoadBalancer.Balancer.L7.LoadBalancing;

/// <summary>Registers the load-balancing policies YARP lacks.</summary>
internal static class LoadBalancingServiceCollectionExtensions
{
    /// <summary>Adds "WeightedRoundRobin" and "ConsistentHash" and a metadata-only <see cref="IDestinationWeightProvider"/> unless one is registered.</summary>
    public static IServiceCollection AddLoadBalancerPolicies(this IServiceCollection services)
    {
        services.TryAddSingleton<IDestinationWeightProvider, MetadataDestinationWeightProvider>();
        services.AddSingleton<ILoadBalancingPolicy, WeightedRoundRobinPolicy>();
        services.AddSingleton<ILoadBalancingPolicy, ConsistentHashPolicy>();
        return services;
    }
}
