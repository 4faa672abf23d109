using LoadBalancer.Balancer.Control;
using LoadBalancer.Balancer.L7.LoadBalancing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

namespace LoadBalancer.Balancer.L7;

/// <summary>Registers the YARP front with the balancer's extra policies.</summary>
public static class ProxyServiceCollectionExtensions
{
    /// <summary>Adds YARP with an in-memory config (the balancer validates and swaps configs itself), the weighted and consistent-hash policies, and the health/admin seam.</summary>
    public static IReverseProxyBuilder AddBalancerProxy(this IServiceCollection services)
    {
        var builder = services.AddReverseProxy().LoadFromMemory([], []);
        services.TryAddSingleton(_ => new BackendControl(TimeProvider.System, NullLoggerFactory.Instance));
        services.TryAddSingleton<IDestinationWeightProvider, BackendControlWeightProvider>();
        services.AddSingleton<IAvailableDestinationsPolicy, BackendControlDestinationsPolicy>();
        services.AddLoadBalancerPolicies();
        return builder;
    }
}
