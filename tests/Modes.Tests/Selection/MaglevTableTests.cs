using CsCheck;
using LoadBalancer.Modes.Selection;
using LoadBalancer.TestSupport;
using Xunit;

namespace LoadBalancer.Modes.Tests.Selection;

public sealed class MaglevTableTests
{
    private static readonly Gen<int> SmallPrimeSize = Gen.Int[0, 3].Select(i => new[] { 251, 1009, 5003, 65537 }[i]);

    [Fact]
    public void Build_EqualWeights_EachBackendOwnsFloorOrCeilOfShare()
    {
        Gen.Select(Gen.Int[1, 300], SmallPrimeSize).Sample((n, size) =>
        {
            MaglevTable table = MaglevTable.Build(Backends(Enumerable.Repeat(1, n).ToArray()), size);
            int[] counts = Counts(table, n);
            int floor = size / n;
            int ceil = (size + n - 1) / n;
            foreach (int c in counts)
            {
                Assert.InRange(c, floor, ceil);
            }

            Assert.Equal(size, counts.Sum());
        }, iter: 60);
    }

    [Fact]
    public void Build_Weighted_EachShareWithinOnePercentOfExpected()
    {
        Gen.Int[0, 20].Array[1, 60].Sample(weights =>
        {
            if (weights.Sum() == 0)
            {
                return;
            }

            MaglevTable table = MaglevTable.Build(Backends(weights));
            int[] counts = Counts(table, weights.Length);
            double total = weights.Sum();
            for (int i = 0; i < weights.Length; i++)
            {
                double expected = table.Size * weights[i] / total;
                // Largest-remainder quotas keep each count within one slot of the exact share, well inside 1%.
                Assert.True(Math.Abs(counts[i] - expected) <= Math.Max(1.0, expected * 0.01),
                    $"backend {i} weight {weights[i]}: {counts[i]} slots, expected {expected:F1}");
            }
        }, iter: 60);
    }

    [Fact]
    public void Build_RemoveOneBackend_MovesAtMostOneNthPlusTwoPercentBeyondItsOwn()
    {
        Gen.Select(Gen.Int[2, 200], Gen.Int[0, 1000]).Sample((n, pick) =>
        {
            int removed = pick % n;
            BackendWeight[] before = Backends(Enumerable.Repeat(1, n).ToArray());
            BackendWeight[] after = before.Where((_, i) => i != removed).ToArray();
            ReadOnlySpan<int> a = MaglevTable.Build(before).Entries;
            ReadOnlySpan<int> b = MaglevTable.Build(after).Entries;

            int movedOthers = 0;
            for (int slot = 0; slot < a.Length; slot++)
            {
                if (a[slot] != removed && before[a[slot]].Key != after[b[slot]].Key)
                {
                    movedOthers++;
                }
            }

            double limit = (1.0 / n + 0.02) * a.Length;
            Assert.True(movedOthers <= limit, $"n={n}: {movedOthers} slots of surviving backends moved, limit {limit:F0}");
        }, iter: 40);
    }

    [Fact]
    public void Build_ShuffledList_SameOwnerKeyForEverySlot()
    {
        Gen.Select(Gen.Int[0, 9].Array[1, 50], Gen.Int).Sample((weights, seed) =>
        {
            BackendWeight[] original = Backends(weights);
            BackendWeight[] shuffled = original.ToArray();
            new Random(seed).Shuffle(shuffled);

            ReadOnlySpan<int> a = MaglevTable.Build(original, 5003).Entries;
            ReadOnlySpan<int> b = MaglevTable.Build(shuffled, 5003).Entries;
            Assert.Equal(a.Length, b.Length);
            for (int slot = 0; slot < a.Length; slot++)
            {
                Assert.Equal(original[a[slot]].Key, shuffled[b[slot]].Key);
            }
        }, iter: 60);
    }

    [Fact]
    public void Build_SameInputTwice_IdenticalTables()
    {
        BackendWeight[] backends = Backends([1, 2, 3, 4]);
        Assert.True(MaglevTable.Build(backends).Entries.SequenceEqual(MaglevTable.Build(backends).Entries));
    }

    [Fact]
    public void Lookup_EmptyList_ReturnsMinusOne()
    {
        MaglevTable table = MaglevTable.Build([]);
        Gen.ULong.Sample(h => table.Lookup(h) == -1, iter: 100);
    }

    [Fact]
    public void Lookup_AllZeroWeights_ReturnsMinusOne()
    {
        MaglevTable table = MaglevTable.Build(Backends([0, 0, 0]));
        Gen.ULong.Sample(h => table.Lookup(h) == -1, iter: 100);
    }

    [Fact]
    public void Lookup_ZeroWeightBackend_NeverReturned()
    {
        MaglevTable table = MaglevTable.Build(Backends([3, 0, 2]), 1009);
        Gen.ULong.Sample(h => table.Lookup(h) is 0 or 2, iter: 2000);
        Assert.Equal(0, Counts(table, 3)[1]);
    }

    [Fact]
    public void Lookup_Hash_ReturnsOwnerOfHashModSize()
    {
        MaglevTable table = MaglevTable.Build(Backends([1, 1, 1, 1, 1]), 251);
        Gen.ULong.Sample(h => table.Lookup(h) == table.Entries[(int)(h % 251)], iter: 1000);
    }

    [Fact]
    public void Lookup_ManyCalls_DoesNotAllocate()
    {
        MaglevTable table = MaglevTable.Build(Backends([1, 2, 3]));
        table.Lookup(1);
        int sum = 0;
        IReadOnlyList<long> rounds = Allocations.UntilSteady(() =>
        {
            for (ulong h = 0; h < 10_000; h++)
            {
                sum += table.Lookup(h * 0x9E3779B97F4A7C15UL);
            }
        });

        Assert.True(Allocations.Settled(rounds), Allocations.Describe(rounds));
        Assert.True(sum > 0);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65536)]
    [InlineData(65535)]
    [InlineData(-7)]
    public void Build_SizeNotPrime_ThrowsArgumentException(int size)
    {
        var ex = Assert.Throws<ArgumentException>(() => MaglevTable.Build(Backends([1]), size));
        Assert.Contains("prime", ex.Message);
    }

    [Fact]
    public void Build_DuplicateKey_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => MaglevTable.Build([new("a", 1), new("a", 2)]));
    }

    [Fact]
    public void Build_NegativeWeight_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => MaglevTable.Build([new("a", 1), new("b", -1)]));
    }

    [Fact]
    public void Build_DefaultSize_Is65537()
    {
        Assert.Equal(65537, MaglevTable.Build(Backends([1])).Size);
        Assert.True(MaglevTable.IsPrime(MaglevTable.DefaultSize));
    }

    [Fact]
    public void Build_MoreBackendsThanSlots_EverySlotOwnedByAPositiveWeightBackend()
    {
        int[] weights = Enumerable.Range(0, 40).Select(i => i % 3).ToArray();
        MaglevTable table = MaglevTable.Build(Backends(weights), 7);
        foreach (int owner in table.Entries)
        {
            Assert.True(weights[owner] > 0);
        }
    }

    internal static BackendWeight[] Backends(int[] weights) =>
        weights.Select((w, i) => new BackendWeight($"10.0.{i / 250}.{i % 250 + 1}:80", w)).ToArray();

    private static int[] Counts(MaglevTable table, int n)
    {
        int[] counts = new int[n];
        foreach (int owner in table.Entries)
        {
            counts[owner]++;
        }

        return counts;
    }
}
