using System.Globalization;
using LoadBalancer.Health.Probes;

namespace LoadBalancer.Health;

/// <summary>Rise/fall hysteresis for one backend (keepalived/HAProxy style): starts Unknown, Healthy after Rise passes in a row, Unhealthy after Fall failures in a row.</summary>
public sealed class HealthStateMachine
{
    /// <summary>Creates a machine in <see cref="HealthState.Unknown"/>.</summary>
    public HealthStateMachine(string poolName, string backendId, int rise, int fall)
        : this(poolName, backendId, rise, fall, HealthState.Unknown)
    {
    }

    /// <summary>Creates a machine already in <paramref name="initial"/> (keeps a backend's state across an options change).</summary>
    public HealthStateMachine(string poolName, string backendId, int rise, int fall, HealthState initial)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rise, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(fall, 1);
        PoolName = poolName;
        BackendId = backendId;
        Rise = rise;
        Fall = fall;
        State = initial;
    }

    /// <summary>Pool the backend belongs to.</summary>
    public string PoolName { get; }

    /// <summary>Backend identity inside the pool.</summary>
    public string BackendId { get; }

    /// <summary>Consecutive passes needed to become Healthy.</summary>
    public int Rise { get; }

    /// <summary>Consecutive failures needed to become Unhealthy.</summary>
    public int Fall { get; }

    /// <summary>Current state.</summary>
    public HealthState State { get; private set; }

    /// <summary>Passes in a row so far (0 after a failure).</summary>
    public int Successes { get; private set; }

    /// <summary>Failures in a row so far (0 after a pass).</summary>
    public int Failures { get; private set; }

    /// <summary>The latest result recorded, if any.</summary>
    public ProbeResult? LastResult { get; private set; }

    /// <summary>True while the state may change soon: Unknown, or the current streak disagrees with the state (checks run at the fast interval then).</summary>
    public bool InTransition => State switch
    {
        HealthState.Healthy => Failures > 0,
        HealthState.Unhealthy => Successes > 0,
        _ => true,
    };

    /// <summary>Records one probe result; returns the transition when it changed the state, else null.</summary>
    public HealthTransition? Record(ProbeResult result, DateTimeOffset at)
    {
        LastResult = result;
        if (result.Success)
        {
            Successes++;
            Failures = 0;
            if (State != HealthState.Healthy && Successes >= Rise)
            {
                return Move(HealthState.Healthy, Count(Successes, "pass", "passes") + ", last: " + result, at);
            }
        }
        else
        {
            Failures++;
            Successes = 0;
            if (State != HealthState.Unhealthy && Failures >= Fall)
            {
                return Move(HealthState.Unhealthy, Count(Failures, "failure", "failures") + ", last: " + result, at);
            }
        }

        return null;
    }

    private HealthTransition Move(HealthState to, string reason, DateTimeOffset at)
    {
        var transition = new HealthTransition(PoolName, BackendId, State, to, reason, at);
        State = to;
        return transition;
    }

    private static string Count(int n, string one, string many) =>
        n.ToString(CultureInfo.InvariantCulture) + " consecutive " + (n == 1 ? one : many);
}
