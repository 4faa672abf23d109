using CsCheck;
using LoadBalancer.Modes.Selection;
using LoadBalancer.TestSupport;
using Xunit;

namespace LoadBalancer.Modes.Tests.Selection;

public sealed class LeastConnectionsSelectorTests
{
    [Fact]
    public void Select_AnyLoads_PicksLowestFlowsPerWeight()
    {
        Gen.Select(Gen.Int[0, 5].Array[1, 30], Gen.Int[0, 1000].Array[30], Gen.ULong).Sample((weights, flows, hash) =>
        {
            int[] active = flows[..weights.Length];
            var selector = new LeastConnectionsSelector(MaglevTableTests.Backends(weights), active);
            int pick = selector.Select(hash);
            if (weights.All(w => w == 0))
            {
                Assert.Equal(-1, pick);
                return;
            }

            Assert.True(weights[pick] > 0);
            double best = Enumerable.Range(0, weights.Length).Where(i => weights[i] > 0).Min(i => (double)active[i] / weights[i]);
            Assert.Equal(best, (double)active[pick] / weights[pick], 9);
        }, iter: 500);
    }

    [Fact]
    public void Select_CountersChange_FollowsTheSharedArray()
    {
        int[] active = [5, 5, 5];
        var selector = new LeastConnectionsSelector([new("a", 1), new("b", 1), new("c", 1)], active);
        active[1] = 2;
        Assert.Equal(1, selector.Select(0));
        active[2] = 0;
        Assert.Equal(2, selector.Select(0));
    }

    [Fact]
    public void Select_AllTied_HashSpreadsPicksOverEveryBackend()
    {
        int[] active = new int[4];
        var selector = new LeastConnectionsSelector(MaglevTableTests.Backends([1, 1, 1, 1]), active);
        var picked = new HashSet<int>();
        for (ulong h = 0; h < 16; h++)
        {
            picked.Add(selector.Select(h));
        }

        Assert.Equal(4, picked.Count);
    }

    [Fact]
    public void Select_HigherWeight_TakesProportionallyMoreFlows()
    {
        int[] active = [10, 15];
        var selector = new LeastConnectionsSelector([new("a", 1), new("b", 2)], active);
        // 10/1 > 15/2, so the heavier backend is the less loaded one.
        Assert.Equal(1, selector.Select(0));
        Assert.Equal(1, selector.Select(1));
    }

    [Fact]
    public void Constructor_CounterArrayTooShort_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => new LeastConnectionsSelector([new("a", 1), new("b", 1)], new int[1]));
    }

    [Fact]
    public void Select_ManyCalls_DoesNotAllocate()
    {
        var selector = new LeastConnectionsSelector([new("a", 1), new("b", 1)], [3, 1]);
        selector.Select(0);
        int sum = 0;
        IReadOnlyList<long> rounds = Allocations.UntilSteady(() =>
        {
            sum = 0;
            for (ulong h = 0; h < 10_000; h++)
            {
                sum += selector.Select(h);
            }
        });

        Assert.True(Allocations.Settled(rounds), Allocations.Describe(rounds));
        Assert.Equal(10_000, sum);
    }
}
