using LoadBalancer.Balancer.L7.LoadBalancing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.Tests.L7.LoadBalancing;

public sealed class LoadBalancingServiceCollectionExtensionsTests
{
    [Fact]
    public void AddLoadBalancerPolicies_WithYarp_ResolvesBothPoliciesByName()
    {
        var services = new ServiceCollection();
        services.AddReverseProxy();
        services.AddLoadBalancerPolicies();
        using ServiceProvider provider = services.BuildServiceProvider();

        string[] names = provider.GetServices<ILoadBalancingPolicy>().Select(p => p.Name).ToArray();
        Assert.Contains("WeightedRoundRobin", names);
        Assert.Contains("ConsistentHash", names);
        Assert.Contains("RoundRobin", names);
        Assert.IsType<MetadataDestinationWeightProvider>(provider.GetRequiredService<IDestinationWeightProvider>());
    }

    [Fact]
    public void AddLoadBalancerPolicies_ProviderRegisteredFirst_PoliciesUseIt()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IDestinationWeightProvider, ZeroForD0>();
        services.AddLoadBalancerPolicies();
        using ServiceProvider provider = services.BuildServiceProvider();

        ILoadBalancingPolicy wrr = provider.GetServices<ILoadBalancingPolicy>().Single(p => p.Name == "WeightedRoundRobin");
        DestinationState[] dests = PolicyTestData.Destinations(5, 1);
        ClusterState cluster = PolicyTestData.Cluster();
        for (int k = 0; k < 50; k++)
        {
            Assert.Equal("d1", wrr.PickDestination(PolicyTestData.Request(null), cluster, dests)!.DestinationId);
        }
    }

    private sealed class ZeroForD0 : IDestinationWeightProvider
    {
        public int? GetWeight(string clusterId, DestinationState destination) => destination.DestinationId == "d0" ? 0 : null;
    }
}
