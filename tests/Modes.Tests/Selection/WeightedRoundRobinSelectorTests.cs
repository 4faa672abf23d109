using CsCheck;
using LoadBalancer.Modes.Selection;
using LoadBalancer.TestSupport;
using Xunit;

namespace LoadBalancer.Modes.Tests.Selection;

public sealed class WeightedRoundRobinSelectorTests
{
    [Fact]
    public void Select_EveryCycle_PicksEachBackendExactlyItsReducedWeight()
    {
        Gen.Int[0, 12].Array[1, 20].Sample(weights =>
        {
            var selector = new WeightedRoundRobinSelector(MaglevTableTests.Backends(weights));
            if (weights.All(w => w == 0))
            {
                Assert.Equal(-1, selector.Select(0));
                return;
            }

            int gcd = weights.Where(w => w > 0).Aggregate(Gcd);
            int cycle = weights.Sum() / gcd;
            Assert.Equal(cycle, selector.CycleLength);
            for (int c = 0; c < 3; c++)
            {
                int[] counts = new int[weights.Length];
                for (int k = 0; k < cycle; k++)
                {
                    counts[selector.Select((ulong)k)]++;
                }

                for (int i = 0; i < weights.Length; i++)
                {
                    Assert.Equal(weights[i] / gcd, counts[i]);
                }
            }
        }, iter: 200);
    }

    [Fact]
    public void Select_Weights511_IsNginxSmoothSequence()
    {
        // The sequence nginx documents for weights {5, 1, 1}: a a b a c a a.
        var selector = new WeightedRoundRobinSelector([new("a", 5), new("b", 1), new("c", 1)]);
        int[] picks = Enumerable.Range(0, 14).Select(_ => selector.Select(0)).ToArray();
        Assert.Equal([0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0], picks);
    }

    [Fact]
    public void Select_ConcurrentCallers_TotalCountsMatchWeights()
    {
        var selector = new WeightedRoundRobinSelector([new("a", 1), new("b", 2), new("c", 3)]);
        const int perThread = 60_000;
        int[] counts = new int[3];
        Parallel.For(0, 4, _ =>
        {
            int[] local = new int[3];
            for (int k = 0; k < perThread; k++)
            {
                local[selector.Select(0)]++;
            }

            for (int i = 0; i < 3; i++)
            {
                Interlocked.Add(ref counts[i], local[i]);
            }
        });

        // 240,000 picks is a whole number of 6-pick cycles, so the split is exact.
        Assert.Equal([40_000, 80_000, 120_000], counts);
    }

    [Fact]
    public void Select_ZeroWeight_NeverPicked()
    {
        var selector = new WeightedRoundRobinSelector([new("a", 2), new("b", 0), new("c", 1)]);
        for (int k = 0; k < 1000; k++)
        {
            Assert.NotEqual(1, selector.Select(0));
        }
    }

    [Fact]
    public void Select_ManyCalls_DoesNotAllocate()
    {
        var selector = new WeightedRoundRobinSelector([new("a", 2), new("b", 3)]);
        selector.Select(0);
        int sum = 0;
        IReadOnlyList<long> rounds = Allocations.UntilSteady(() =>
        {
            sum = 0;
            for (int k = 0; k < 10_000; k++)
            {
                sum += selector.Select(0);
            }
        });

        Assert.True(Allocations.Settled(rounds), Allocations.Describe(rounds));
        Assert.Equal(6000, sum);
    }

    [Fact]
    public void Constructor_HugeCycle_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            new WeightedRoundRobinSelector([new("a", 1_000_000), new("b", 999_999)]));
        Assert.Contains("cycle", ex.Message);
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}
