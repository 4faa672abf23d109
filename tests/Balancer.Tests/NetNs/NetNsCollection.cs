using Xunit;

namespace LoadBalancer.Balancer.Tests.NetNs;

/// <summary>Puts every network-namespace test in one collection so they never run in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NetNsCollection
{
    /// <summary>The collection name to use in <c>[Collection(...)]</c>.</summary>
    public const string Name = "netns";
}
