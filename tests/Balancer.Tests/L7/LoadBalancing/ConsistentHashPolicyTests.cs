using System.Net;
using LoadBalancer.Balancer.L7.LoadBalancing;
using Xunit;
using Yarp.ReverseProxy.Model;
using static LoadBalancer.Balancer.Tests.L7.LoadBalancing.PolicyTestData;

namespace LoadBalancer.Balancer.Tests.L7.LoadBalancing;

public sealed class ConsistentHashPolicyTests
{
    private const int Keys = 1000;

    [Fact]
    public void PickDestination_SameClientIp_SameDestinationAcrossCallsAndInstances()
    {
        var first = new ConsistentHashPolicy();
        var second = new ConsistentHashPolicy();
        DestinationState[] dests1 = Destinations(1, 1, 1, 1, 1);
        DestinationState[] dests2 = Destinations(1, 1, 1, 1, 1).Reverse().ToArray();
        ClusterState cluster1 = Cluster();
        ClusterState cluster2 = Cluster();

        var perDestination = new Dictionary<string, int>();
        for (int i = 0; i < Keys; i++)
        {
            string a = first.PickDestination(Request(Ip(i)), cluster1, dests1)!.DestinationId;
            string again = first.PickDestination(Request(Ip(i)), cluster1, dests1)!.DestinationId;
            // A second policy, new model objects, destinations listed in another order: only ids and weights matter.
            string b = second.PickDestination(Request(Ip(i)), cluster2, dests2)!.DestinationId;
            Assert.Equal(a, again);
            Assert.Equal(a, b);
            perDestination[a] = perDestination.GetValueOrDefault(a) + 1;
        }

        Assert.Equal(5, perDestination.Count);
        Assert.All(perDestination.Values, n => Assert.InRange(n, 130, 270));
    }

    [Fact]
    public void PickDestination_OneDestinationBecomesUnavailable_OnlyItsKeysMove()
    {
        var policy = new ConsistentHashPolicy();
        DestinationState[] all = Destinations(1, 1, 1, 1, 1);
        ClusterState cluster = Cluster(all: all);
        string[] before = PickAll(policy, cluster, all);

        DestinationState[] available = all.Where(d => d.DestinationId != "d2").ToArray();
        cluster.DestinationsState = new ClusterDestinationsState(all, available);
        string[] after = PickAll(policy, cluster, available);

        int movedFromRemoved = 0;
        for (int i = 0; i < Keys; i++)
        {
            if (before[i] == "d2")
            {
                Assert.NotEqual("d2", after[i]);
                movedFromRemoved++;
            }
            else
            {
                Assert.Equal(before[i], after[i]);
            }
        }

        Assert.True(movedFromRemoved > 100, $"only {movedFromRemoved} keys were on d2");

        // When it comes back, its keys return to it.
        cluster.DestinationsState = new ClusterDestinationsState(all, all);
        Assert.Equal(before, PickAll(policy, cluster, all));
    }

    [Fact]
    public void PickDestination_DestinationRemovedWithoutClusterList_MovesFewOtherKeys()
    {
        // Without the cluster's full list only the available set is known, so plain Maglev applies: a few other keys may move.
        var policy = new ConsistentHashPolicy();
        DestinationState[] all = Destinations(1, 1, 1, 1, 1);
        string[] before = PickAll(policy, Cluster(), all);
        string[] after = PickAll(policy, Cluster(), all.Where(d => d.DestinationId != "d2").ToArray());
        int movedOthers = Enumerable.Range(0, Keys).Count(i => before[i] != "d2" && before[i] != after[i]);
        Assert.True(movedOthers <= Keys / 50, $"{movedOthers} keys of surviving destinations moved");
        Assert.DoesNotContain("d2", after);
    }

    [Fact]
    public void PickDestination_RuntimeWeightZero_DrainsOnlyThatDestinationsKeys()
    {
        var provider = new DrainProvider();
        var policy = new ConsistentHashPolicy(provider);
        DestinationState[] all = Destinations(1, 1, 1);
        ClusterState cluster = Cluster(all: all);
        string[] before = PickAll(policy, cluster, all);

        provider.Drained = "d0";
        string[] after = PickAll(policy, cluster, all);
        for (int i = 0; i < Keys; i++)
        {
            if (before[i] == "d0")
            {
                Assert.NotEqual("d0", after[i]);
            }
            else
            {
                Assert.Equal(before[i], after[i]);
            }
        }
    }

    [Fact]
    public void PickDestination_HeaderKey_SameHeaderSameDestinationWhateverTheIp()
    {
        var policy = new ConsistentHashPolicy();
        ClusterState cluster = Cluster("Header:X-User");
        DestinationState[] dests = Destinations(1, 1, 1, 1);
        var used = new HashSet<string>();
        for (int user = 0; user < 200; user++)
        {
            string first = policy.PickDestination(Request(Ip(1), "X-User", $"user-{user}"), cluster, dests)!.DestinationId;
            string other = policy.PickDestination(Request(Ip(999), "X-User", $"user-{user}"), cluster, dests)!.DestinationId;
            Assert.Equal(first, other);
            used.Add(first);
        }

        Assert.Equal(4, used.Count);
    }

    [Fact]
    public void PickDestination_CookieKey_SameCookieSameDestinationWhateverTheIp()
    {
        var policy = new ConsistentHashPolicy();
        ClusterState cluster = Cluster("Cookie:session");
        DestinationState[] dests = Destinations(1, 1, 1, 1);
        var used = new HashSet<string>();
        for (int s = 0; s < 200; s++)
        {
            string first = policy.PickDestination(Request(Ip(1), cookie: $"session=s{s}; theme=dark"), cluster, dests)!.DestinationId;
            string other = policy.PickDestination(Request(Ip(7), cookie: $"theme=light; session=s{s}"), cluster, dests)!.DestinationId;
            Assert.Equal(first, other);
            used.Add(first);
        }

        Assert.Equal(4, used.Count);
    }

    [Theory]
    [InlineData("Header:X-User")]
    [InlineData("Cookie:session")]
    public void PickDestination_KeyMissing_FallsBackToClientIp(string hashKey)
    {
        var byKey = new ConsistentHashPolicy();
        var byIp = new ConsistentHashPolicy();
        ClusterState keyCluster = Cluster(hashKey);
        ClusterState ipCluster = Cluster();
        DestinationState[] dests = Destinations(1, 1, 1, 1);
        for (int i = 0; i < Keys; i++)
        {
            // An empty header counts as missing too.
            var request = i % 2 == 0 ? Request(Ip(i)) : Request(Ip(i), "X-User", string.Empty);
            Assert.Equal(
                byIp.PickDestination(Request(Ip(i)), ipCluster, dests)!.DestinationId,
                byKey.PickDestination(request, keyCluster, dests)!.DestinationId);
        }
    }

    [Fact]
    public void PickDestination_Weights_ZeroGetsNothingAndShareFollowsWeight()
    {
        var policy = new ConsistentHashPolicy();
        ClusterState cluster = Cluster();
        DestinationState[] dests = Destinations(1, 3, 0);
        int[] counts = new int[3];
        for (int i = 0; i < 4000; i++)
        {
            counts[Array.IndexOf(dests, policy.PickDestination(Request(Ip(i)), cluster, dests))]++;
        }

        Assert.Equal(0, counts[2]);
        Assert.InRange(counts[0], 850, 1150);
    }

    [Fact]
    public void PickDestination_NoneAvailableOrAllZero_ReturnsNull()
    {
        var policy = new ConsistentHashPolicy();
        Assert.Null(policy.PickDestination(Request(Ip(1)), Cluster(), []));
        Assert.Null(policy.PickDestination(Request(Ip(1)), Cluster(), Destinations(0, 0)));
    }

    [Fact]
    public void HashClientIp_Ipv4MappedIpv6_HashesLikeIpv4()
    {
        IPAddress v4 = IPAddress.Parse("192.0.2.10");
        Assert.Equal(ConsistentHashPolicy.HashClientIp(v4), ConsistentHashPolicy.HashClientIp(v4.MapToIPv6()));
        Assert.NotEqual(ConsistentHashPolicy.HashClientIp(v4), ConsistentHashPolicy.HashClientIp(IPAddress.Parse("192.0.2.11")));
    }

    [Theory]
    [InlineData(null, "ClientIp", null)]
    [InlineData("", "ClientIp", null)]
    [InlineData("ClientIp", "ClientIp", null)]
    [InlineData("clientip", "ClientIp", null)]
    [InlineData("Header:X-User-Id", "Header", "X-User-Id")]
    [InlineData("Cookie:session", "Cookie", "session")]
    public void TryParseHashKey_ValidValue_Parses(string? value, string source, string? name)
    {
        Assert.True(ConsistentHashPolicy.TryParseHashKey(value, out HashKey key, out string? error));
        Assert.Null(error);
        Assert.Equal(new HashKey(Enum.Parse<HashKeySource>(source), name), key);
    }

    [Theory]
    [InlineData("Header:")]
    [InlineData("Cookie:")]
    [InlineData("Header:bad name")]
    [InlineData("Query:id")]
    [InlineData("ip")]
    public void TryParseHashKey_InvalidValue_FailsWithMessage(string value)
    {
        Assert.False(ConsistentHashPolicy.TryParseHashKey(value, out _, out string? error));
        Assert.Contains(value, error);
    }

    [Fact]
    public void Name_IsConsistentHash()
    {
        Assert.Equal("ConsistentHash", new ConsistentHashPolicy().Name);
    }

    private static string[] PickAll(ConsistentHashPolicy policy, ClusterState cluster, IReadOnlyList<DestinationState> available)
    {
        string[] picks = new string[Keys];
        for (int i = 0; i < Keys; i++)
        {
            picks[i] = policy.PickDestination(Request(Ip(i)), cluster, available)!.DestinationId;
        }

        return picks;
    }

    private sealed class DrainProvider : IDestinationWeightProvider
    {
        public string? Drained { get; set; }

        public int? GetWeight(string clusterId, DestinationState destination) =>
            destination.DestinationId == Drained ? 0 : null;
    }
}
