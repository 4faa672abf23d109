using LoadBalancer.Health.Probes;

namespace LoadBalancer.Health.Tests;

public sealed class HealthStateMachineTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly ProbeResult Pass = ProbeResult.Ok("status 200", TimeSpan.FromMilliseconds(1));
    private static readonly ProbeResult Fail = ProbeResult.Fail(ProbeReason.BadStatus, "status 503", TimeSpan.FromMilliseconds(1));

    [Fact]
    public void New_NoChecks_IsUnknownAndInTransition()
    {
        var machine = new HealthStateMachine("web", "b1", rise: 2, fall: 3);

        Assert.Equal(HealthState.Unknown, machine.State);
        Assert.True(machine.InTransition);
        Assert.Null(machine.LastResult);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Record_RiseMinusOnePasses_StaysUnknownThenHealthyOnRise(int rise)
    {
        var machine = new HealthStateMachine("web", "b1", rise, fall: 3);
        for (var i = 1; i < rise; i++)
        {
            Assert.Null(machine.Record(Pass, T0.AddSeconds(i)));
            Assert.Equal(HealthState.Unknown, machine.State);
        }

        var transition = machine.Record(Pass, T0.AddSeconds(rise));

        Assert.NotNull(transition);
        Assert.Equal(HealthState.Unknown, transition.From);
        Assert.Equal(HealthState.Healthy, transition.To);
        Assert.Equal(T0.AddSeconds(rise), transition.At);
        Assert.Equal(("web", "b1"), (transition.PoolName, transition.BackendId));
        Assert.Contains($"{rise} consecutive pass", transition.Reason, StringComparison.Ordinal);
        Assert.Equal(HealthState.Healthy, machine.State);
        Assert.False(machine.InTransition);
        Assert.Null(machine.Record(Pass, T0.AddSeconds(rise + 1)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Record_FallFailuresFromUnknown_BecomesUnhealthy(int fall)
    {
        var machine = new HealthStateMachine("web", "b1", rise: 2, fall);
        for (var i = 1; i < fall; i++)
        {
            Assert.Null(machine.Record(Fail, T0));
        }

        var transition = machine.Record(Fail, T0);

        Assert.NotNull(transition);
        Assert.Equal((HealthState.Unknown, HealthState.Unhealthy), (transition.From, transition.To));
        Assert.Contains("BadStatus: status 503", transition.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Record_FallFailuresFromHealthy_BecomesUnhealthyExactlyOnFall()
    {
        var machine = Healthy(rise: 1, fall: 3);

        Assert.Null(machine.Record(Fail, T0));
        Assert.Equal(HealthState.Healthy, machine.State);
        Assert.True(machine.InTransition);
        Assert.Null(machine.Record(Fail, T0));
        Assert.Equal(2, machine.Failures);

        var transition = machine.Record(Fail, T0);

        Assert.Equal((HealthState.Healthy, HealthState.Unhealthy), (transition!.From, transition.To));
        Assert.False(machine.InTransition);
    }

    [Fact]
    public void Record_Flapping_NeverReachesThresholdAndNeverTransitions()
    {
        var machine = Healthy(rise: 2, fall: 2);

        for (var i = 0; i < 20; i++)
        {
            Assert.Null(machine.Record(Fail, T0));
            Assert.Null(machine.Record(Pass, T0));
        }

        Assert.Equal(HealthState.Healthy, machine.State);
        Assert.Equal(1, machine.Successes);
        Assert.Equal(0, machine.Failures);
    }

    [Fact]
    public void Record_UnhealthyThenPasses_NeedsFullRiseAgain()
    {
        var machine = new HealthStateMachine("web", "b1", rise: 3, fall: 1);
        machine.Record(Fail, T0);
        machine.Record(Pass, T0);
        machine.Record(Pass, T0);
        machine.Record(Fail, T0);

        Assert.Equal(HealthState.Unhealthy, machine.State);
        Assert.Null(machine.Record(Pass, T0));
        Assert.True(machine.InTransition);
        Assert.Null(machine.Record(Pass, T0));
        Assert.Equal(HealthState.Healthy, machine.Record(Pass, T0)!.To);
    }

    [Fact]
    public void Ctor_ZeroRise_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HealthStateMachine("web", "b1", 0, 1));
    }

    private static HealthStateMachine Healthy(int rise, int fall)
    {
        var machine = new HealthStateMachine("web", "b1", rise, fall);
        for (var i = 0; i < rise; i++)
        {
            machine.Record(Pass, T0);
        }

        Assert.Equal(HealthState.Healthy, machine.State);
        return machine;
    }
}
