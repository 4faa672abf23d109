using LoadBalancer.Modes.Selection;
using Xunit;

namespace LoadBalancer.Modes.Tests.Selection;

public sealed class BackendSelectorFactoryTests
{
    private static readonly BackendWeight[] Two = [new("a", 1), new("b", 1)];

    [Theory]
    [InlineData("maglev", typeof(MaglevSelector))]
    [InlineData("wrr", typeof(WeightedRoundRobinSelector))]
    [InlineData("leastconn", typeof(LeastConnectionsSelector))]
    [InlineData("Maglev", typeof(MaglevSelector))]
    public void Create_KnownName_BuildsThatSelector(string name, Type expected)
    {
        IBackendSelector selector = BackendSelectorFactory.Create(name, Two, new int[2]);
        Assert.IsType(expected, selector);
        Assert.Equal(name.ToLowerInvariant(), selector.Name);
        Assert.InRange(selector.Select(42), 0, 1);
    }

    [Fact]
    public void KnownNames_EachName_CreatesASelectorWithThatName()
    {
        Assert.Equal(3, BackendSelectorFactory.KnownNames.Count);
        foreach (string name in BackendSelectorFactory.KnownNames)
        {
            Assert.True(BackendSelectorFactory.IsKnown(name));
            Assert.Equal(name, BackendSelectorFactory.Create(name, Two, new int[2]).Name);
        }
    }

    [Fact]
    public void Create_UnknownName_ThrowsArgumentExceptionListingKnownNames()
    {
        var ex = Assert.Throws<ArgumentException>(() => BackendSelectorFactory.Create("random", Two));
        Assert.Contains("'random'", ex.Message);
        Assert.Contains("maglev, wrr, leastconn", ex.Message);
        Assert.False(BackendSelectorFactory.IsKnown("random"));
    }

    [Fact]
    public void Create_LeastConnWithoutCounters_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() => BackendSelectorFactory.Create("leastconn", Two));
        Assert.Contains("activeFlows", ex.Message);
    }

    [Theory]
    [InlineData("maglev", BackendSelectorKind.Maglev, typeof(MaglevSelector))]
    [InlineData("WRR", BackendSelectorKind.WeightedRoundRobin, typeof(WeightedRoundRobinSelector))]
    [InlineData("leastconn", BackendSelectorKind.LeastConnections, typeof(LeastConnectionsSelector))]
    public void TryParse_KnownName_GivesTheKindThatBuildsThatSelector(string name, BackendSelectorKind kind, Type expected)
    {
        Assert.True(BackendSelectorFactory.TryParse(name, out BackendSelectorKind parsed));
        Assert.Equal(kind, parsed);
        Assert.IsType(expected, BackendSelectorFactory.Create(parsed, Two, new int[2]));
    }

    [Fact]
    public void TryParse_UnknownName_IsFalse()
    {
        Assert.False(BackendSelectorFactory.TryParse("random", out _));
        Assert.False(BackendSelectorFactory.TryParse(null, out _));
    }
}
