using LoadBalancer.Bench.Traffic;

namespace LoadBalancer.Balancer.Tests.Bench;

public sealed class ZeroLossSearchTests
{
    private const double Generator = 400_000;

    /// <summary>A contender that carries up to <paramref name="capacity"/> pps and, past it, only <paramref name="overloaded"/> (livelock).</summary>
    private static Func<double, LossTrial> Contender(double capacity, double? overloaded = null, List<double>? asked = null) => rate =>
    {
        asked?.Add(rate);
        double offered = rate > 0 ? Math.Min(rate, Generator) : Generator;
        double carried = offered <= capacity ? offered : overloaded ?? capacity;
        return new LossTrial(rate, (long)offered, (long)carried, 1.0);
    };

    [Fact]
    public void Run_ContenderBelowGenerator_FindsItsCapacityWithinTheLastStepAndNeverAboveIt()
    {
        var r = ZeroLossSearch.Run(Contender(123_456), 7, 0.1);

        Assert.False(r.GeneratorBound);
        Assert.InRange(r.ZeroLossPps, 123_456 - (Generator / 128), 123_456);
        Assert.All(r.Trials.Where(t => t.OfferedPps <= r.ZeroLossPps), t => Assert.True(t.LossPercent <= 0.1));
    }

    [Fact]
    public void Run_ContenderCarriesEverything_IsGeneratorBoundAfterOneTrial()
    {
        var r = ZeroLossSearch.Run(Contender(1e9), 7, 0.1);

        Assert.True(r.GeneratorBound);
        Assert.Equal(Generator, r.ZeroLossPps);
        Assert.Single(r.Trials);
    }

    [Fact]
    public void Run_LivelockedContender_StillSearchesUpToWhatItCarriesWhenNotOverloaded()
    {
        // Overloaded it delivers 20k, but it carries 150k without loss: the first guess (20k) is not the answer.
        var r = ZeroLossSearch.Run(Contender(150_000, overloaded: 20_000), 7, 0.1);

        Assert.InRange(r.ZeroLossPps, 150_000 - (Generator / 64), 150_000);
    }

    [Fact]
    public void Run_NothingArrives_ReportsZeroAfterExactlyTheBoundedNumberOfTrials()
    {
        var asked = new List<double>();
        var r = ZeroLossSearch.Run(Contender(0, asked: asked), 5, 0.1);

        Assert.Equal(0, r.ZeroLossPps);
        Assert.Equal(6, r.Trials.Count);
        Assert.Equal(0, asked[0]);
        Assert.All(asked.Skip(1), rate => Assert.InRange(rate, 1, Generator));
    }

    [Fact]
    public void Run_SmallSteadyLoss_PassesUnderTheLimitAndFailsAtZero()
    {
        LossTrial Lossy(double rate)
        {
            long sent = (long)(rate > 0 ? rate : Generator);
            return new LossTrial(rate, sent, sent - (sent / 2000), 1.0); // 0.05% lost at every rate
        }

        Assert.True(ZeroLossSearch.Run(Lossy, 7, 0.1).GeneratorBound);
        Assert.Equal(0, ZeroLossSearch.Run(Lossy, 7, 0).ZeroLossPps);
    }

    [Fact]
    public void Run_GeneratorFallsShortOfTheRateAsked_ReportsWhatWasOffered()
    {
        // A generator that only reaches 90% of any paced rate: the result is an offered rate, not an asked one.
        var r = ZeroLossSearch.Run(rate => rate > 0
            ? new LossTrial(rate, (long)(rate * 0.9), (long)(rate * 0.9), 1.0)
            : new LossTrial(0, 400_000, 100_000, 1.0), 3, 0.1);

        Assert.Equal(r.Trials.Skip(1).Max(t => t.OfferedPps), r.ZeroLossPps, 0);
    }
}
