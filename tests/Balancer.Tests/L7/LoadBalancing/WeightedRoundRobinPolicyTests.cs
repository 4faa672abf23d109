using LoadBalancer.Balancer.L7.LoadBalancing;
using Microsoft.AspNetCore.Http;
using Xunit;
using Yarp.ReverseProxy.Model;
using static LoadBalancer.Balancer.Tests.L7.LoadBalancing.PolicyTestData;

namespace LoadBalancer.Balancer.Tests.L7.LoadBalancing;

public sealed class WeightedRoundRobinPolicyTests
{
    private readonly HttpContext _context = Request(Ip(1));

    [Fact]
    public void PickDestination_Weights123_SplitIsExactPerCycle()
    {
        var policy = new WeightedRoundRobinPolicy();
        DestinationState[] dests = Destinations(1, 2, 3);
        ClusterState cluster = Cluster();
        var counts = Count(policy, cluster, dests, 10_002);

        // 10,002 picks are 1,667 whole cycles of 6.
        Assert.Equal(1_667, counts["d0"]);
        Assert.Equal(3_334, counts["d1"]);
        Assert.Equal(5_001, counts["d2"]);

        // And within any single cycle the split is already exact.
        var cycle = Count(policy, cluster, dests, 6);
        Assert.Equal([1, 2, 3], new[] { cycle["d0"], cycle["d1"], cycle["d2"] });
    }

    [Fact]
    public void PickDestination_WeightZero_GetsNothing()
    {
        var policy = new WeightedRoundRobinPolicy();
        var counts = Count(policy, Cluster(), Destinations(2, 0, 1), 3_000);
        Assert.False(counts.ContainsKey("d1"));
        Assert.Equal(2_000, counts["d0"]);
        Assert.Equal(1_000, counts["d2"]);
    }

    [Fact]
    public void PickDestination_NoWeightMetadata_SplitsEvenly()
    {
        var policy = new WeightedRoundRobinPolicy();
        DestinationState[] dests = [Destination("a"), Destination("b")];
        var counts = Count(policy, Cluster(), dests, 1_000);
        Assert.Equal(500, counts["a"]);
        Assert.Equal(500, counts["b"]);
    }

    [Fact]
    public void PickDestination_AllWeightsZero_ReturnsNull()
    {
        var policy = new WeightedRoundRobinPolicy();
        Assert.Null(policy.PickDestination(_context, Cluster(), Destinations(0, 0)));
        Assert.Null(policy.PickDestination(_context, Cluster(), []));
    }

    [Fact]
    public void PickDestination_AvailableSetShrinks_PicksOnlyRemainingByWeight()
    {
        var policy = new WeightedRoundRobinPolicy();
        ClusterState cluster = Cluster();
        DestinationState[] dests = Destinations(1, 2, 3);
        Count(policy, cluster, dests, 7);

        var counts = Count(policy, cluster, [dests[0], dests[2]], 4_000);
        Assert.False(counts.ContainsKey("d1"));
        Assert.Equal(1_000, counts["d0"]);
        Assert.Equal(3_000, counts["d2"]);
    }

    [Fact]
    public void PickDestination_ProviderOverridesWeight_UsesRuntimeWeight()
    {
        var provider = new MutableWeights();
        var policy = new WeightedRoundRobinPolicy(provider);
        ClusterState cluster = Cluster();
        DestinationState[] dests = Destinations(1, 1);
        Assert.Equal(500, Count(policy, cluster, dests, 1_000)["d0"]);

        provider.Weights["d0"] = 0;
        Assert.Equal(1_000, Count(policy, cluster, dests, 1_000)["d1"]);

        provider.Weights["d0"] = 3;
        Assert.Equal(750, Count(policy, cluster, dests, 1_000)["d0"]);
    }

    [Fact]
    public void PickDestination_ConcurrentRequests_TotalsMatchWeights()
    {
        var policy = new WeightedRoundRobinPolicy();
        ClusterState cluster = Cluster();
        DestinationState[] dests = Destinations(1, 2, 3);
        int[] counts = new int[3];
        Parallel.For(0, 4, _ =>
        {
            var context = new DefaultHttpContext();
            for (int k = 0; k < 6_000; k++)
            {
                DestinationState picked = policy.PickDestination(context, cluster, dests)!;
                Interlocked.Increment(ref counts[Array.IndexOf(dests, picked)]);
            }
        });

        Assert.Equal([4_000, 8_000, 12_000], counts);
    }

    /// <summary>
    /// What keeps the concurrent totals exact when two first requests build the cluster's state at once: the second
    /// builder goes on with the state published first (each state counts its own picks; two cycles skewed the totals).
    /// </summary>
    [Fact]
    public void ClusterStateBox_TwoBuildersFromTheSameState_BothGoOnWithTheFirstPublished()
    {
        var box = new ClusterStateBox<object>();
        object first = new(), second = new(), third = new();

        Assert.Same(first, box.Publish(null, first));
        Assert.Same(first, box.Publish(null, second));
        Assert.Same(first, box.Current);
        // Built after seeing the published one (a changed destination set): it replaces it.
        Assert.Same(third, box.Publish(first, third));
        Assert.Same(third, box.Current);
    }

    [Theory]
    [InlineData("3", true, 3)]
    [InlineData("0", true, 0)]
    [InlineData("1000", true, 1000)]
    [InlineData(null, true, 1)]
    [InlineData("", true, 1)]
    [InlineData("-1", false, 1)]
    [InlineData("1001", false, 1)]
    [InlineData("2.5", false, 1)]
    [InlineData("heavy", false, 1)]
    public void TryParseWeight_Value_ParsesOrRejects(string? value, bool ok, int expected)
    {
        Assert.Equal(ok, WeightedRoundRobinPolicy.TryParseWeight(value, out int weight));
        Assert.Equal(expected, weight);
    }

    [Fact]
    public void Name_IsWeightedRoundRobin()
    {
        Assert.Equal("WeightedRoundRobin", new WeightedRoundRobinPolicy().Name);
    }

    private Dictionary<string, int> Count(WeightedRoundRobinPolicy policy, ClusterState cluster, IReadOnlyList<DestinationState> dests, int picks)
    {
        var counts = new Dictionary<string, int>();
        for (int k = 0; k < picks; k++)
        {
            string id = policy.PickDestination(_context, cluster, dests)!.DestinationId;
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }

        return counts;
    }

    private sealed class MutableWeights : IDestinationWeightProvider
    {
        public Dictionary<string, int> Weights { get; } = [];

        public int? GetWeight(string clusterId, DestinationState destination) =>
            Weights.TryGetValue(destination.DestinationId, out int w) ? w : null;
    }
}
