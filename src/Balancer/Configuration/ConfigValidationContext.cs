using LoadBalancer.Balancer.L7;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.SessionAffinity;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>What the validator needs from the running proxy: the registered policy names and YARP's own validator.</summary>
public sealed class ConfigValidationContext
{
    /// <summary>YARP's validator, run on every route and cluster that passed our own checks.</summary>
    public required IConfigValidator ProxyValidator { get; init; }

    /// <summary>Names of the registered load-balancing policies.</summary>
    public required IReadOnlySet<string> LoadBalancingPolicies { get; init; }

    /// <summary>Names of the registered session-affinity policies.</summary>
    public required IReadOnlySet<string> AffinityPolicies { get; init; }

    /// <summary>Builds the context from a service provider on which <see cref="ProxyServiceCollectionExtensions.AddBalancerProxy"/> was called.</summary>
    public static ConfigValidationContext FromServices(IServiceProvider services) => new()
    {
        ProxyValidator = services.GetRequiredService<IConfigValidator>(),
        LoadBalancingPolicies = services.GetServices<ILoadBalancingPolicy>().Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase),
        AffinityPolicies = services.GetServices<ISessionAffinityPolicy>().Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase),
    };

    /// <summary>Builds a context without a running proxy, for <c>balancer check</c> and tests.</summary>
    public static ConfigValidationContext CreateStandalone()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddBalancerProxy();
        return FromServices(services.BuildServiceProvider());
    }
}
