using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.L7;

/// <summary>The balancer's own YARP policies through the real front: weights and consistent hashing.</summary>
public sealed class PolicyEndToEndTests
{
    [Fact]
    public async Task WeightedRoundRobin_10kRequests_FollowWeightsWithin5Percent()
    {
        await using var f = await BalancerFixture.StartAsync(3, (c, _, _) =>
        {
            var d = (JsonObject)ConfigJson.Cluster(c)["Destinations"]!;
            for (var i = 0; i < 3; i++)
            {
                d[$"d{i}"]!["Metadata"] = new JsonObject { ["Weight"] = (i + 1).ToString() };
            }
        }, policy: "WeightedRoundRobin");

        var counts = new int[3];
        await Parallel.ForAsync(0, 10_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
        {
            using var r = await f.Client.GetAsync(f.Front + "/", ct);
            Interlocked.Increment(ref counts[int.Parse(r.Headers.GetValues("X-Backend").Single()[1..])]);
        });

        for (var i = 0; i < 3; i++)
        {
            var expected = 10_000 * (i + 1) / 6.0;
            Assert.InRange(counts[i], expected * 0.95, expected * 1.05);
        }
    }

    [Fact]
    public async Task ConsistentHash_SameKeySameBackend_RemovalMovesOnlyItsKeys()
    {
        await using var f = await BalancerFixture.StartAsync(4, (c, _, _) =>
            ConfigJson.Cluster(c)["Metadata"] = new JsonObject { ["HashKey"] = "Header:X-User" }, policy: "ConsistentHash");

        async Task<Dictionary<string, string>> MapAsync(int users)
        {
            var map = new Dictionary<string, string>();
            for (var u = 0; u < users; u++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, f.Front + "/") { Headers = { { "X-User", $"user-{u}" } } };
                using var r = await f.Client.SendAsync(request);
                map[$"user-{u}"] = r.Headers.GetValues("X-Backend").Single();
            }
            return map;
        }

        var first = await MapAsync(400);
        var again = await MapAsync(400);
        Assert.Equal(first, again);
        Assert.Equal(4, first.Values.Distinct().Count());

        // Remove b2 by reload: only the keys that were on b2 may move.
        var next = ConfigJson.Basic(f.Backends.Where((_, i) => i != 2).Select(b => b.Url), "ConsistentHash");
        ConfigJson.Cluster(next)["Metadata"] = new JsonObject { ["HashKey"] = "Header:X-User" };
        // Keep destination ids stable (d0, d1, d3) so the hash of the survivors does not change.
        ConfigJson.Cluster(next)["Destinations"] = new JsonObject
        {
            ["d0"] = new JsonObject { ["Address"] = f.Backends[0].Url },
            ["d1"] = new JsonObject { ["Address"] = f.Backends[1].Url },
            ["d3"] = new JsonObject { ["Address"] = f.Backends[3].Url },
        };
        await f.WriteConfigAsync(ConfigJson.Text(next));
        var result = await f.Host.ReloadAsync();
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var after = await MapAsync(400);

        var moved = first.Where(kv => after[kv.Key] != kv.Value).ToList();
        Assert.All(moved, kv => Assert.Equal("b2", kv.Value));
        Assert.Equal(first.Count(kv => kv.Value == "b2"), moved.Count);
    }
}
