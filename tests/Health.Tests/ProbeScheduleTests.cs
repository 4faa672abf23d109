namespace LoadBalancer.Health.Tests;

public sealed class ProbeScheduleTests
{
    [Fact]
    public void NextDelay_Jitter_StaysWithinBoundsAndSpreads()
    {
        var options = new HealthCheckOptions { Interval = TimeSpan.FromSeconds(10), Jitter = 0.2 };
        var random = new Random(1234);

        var delays = Enumerable.Range(0, 10_000).Select(_ => ProbeSchedule.NextDelay(options, false, random)).ToList();

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(12)));
        Assert.True(delays.Min() < TimeSpan.FromSeconds(8.2), "jitter never went low");
        Assert.True(delays.Max() > TimeSpan.FromSeconds(11.8), "jitter never went high");
    }

    [Fact]
    public void NextDelay_InTransitionWithFastInterval_UsesFastInterval()
    {
        var options = new HealthCheckOptions { Interval = TimeSpan.FromSeconds(10), FastInterval = TimeSpan.FromSeconds(1), Jitter = 0 };
        var random = new Random(1);

        Assert.Equal(TimeSpan.FromSeconds(1), ProbeSchedule.NextDelay(options, inTransition: true, random));
        Assert.Equal(TimeSpan.FromSeconds(10), ProbeSchedule.NextDelay(options, inTransition: false, random));
    }

    [Fact]
    public void NextDelay_NoFastInterval_UsesIntervalInTransition()
    {
        var options = new HealthCheckOptions { Interval = TimeSpan.FromSeconds(3), Jitter = 0 };

        Assert.Equal(TimeSpan.FromSeconds(3), ProbeSchedule.NextDelay(options, inTransition: true, new Random(1)));
    }

    [Fact]
    public void FirstDelay_Jitter_WithinJitterWindow()
    {
        var options = new HealthCheckOptions { Interval = TimeSpan.FromSeconds(10), Jitter = 0.5 };
        var random = new Random(7);

        var delays = Enumerable.Range(0, 1000).Select(_ => ProbeSchedule.FirstDelay(options, random)).ToList();

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromSeconds(5)));
        Assert.True(delays.Distinct().Count() > 100, "first checks were not spread");
    }
}
