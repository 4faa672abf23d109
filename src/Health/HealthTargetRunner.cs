namespace LoadBalancer.Health;

/// <summary>One target's check loop state inside <see cref="HealthMonitor"/>; its lock orders results against retirement.</summary>
internal sealed class HealthTargetRunner
{
    /// <summary>Creates a runner whose machine starts in <paramref name="initial"/>.</summary>
    public HealthTargetRunner(HealthTarget target, HealthState initial, HealthTransition? lastTransition)
    {
        Target = target;
        Machine = new HealthStateMachine(target.PoolName, target.BackendId, target.Options.Rise, target.Options.Fall, initial);
        LastTransition = lastTransition;
        ProbeTarget = target.ToProbeTarget();
    }

    /// <summary>The target as configured.</summary>
    public HealthTarget Target { get; }

    /// <summary>The probe's view of the target, built once.</summary>
    public Probes.ProbeTarget ProbeTarget { get; }

    /// <summary>Rise/fall state; read and written only under <see cref="Gate"/>.</summary>
    public HealthStateMachine Machine { get; }

    /// <summary>Latest state change; guarded by <see cref="Gate"/>.</summary>
    public HealthTransition? LastTransition { get; set; }

    /// <summary>Set (under <see cref="Gate"/>) when the target was removed or replaced: later results are dropped.</summary>
    public bool Retired { get; set; }

    /// <summary>Guards the machine and <see cref="Retired"/>.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Stops this runner's loop.</summary>
    public CancellationTokenSource Cancel { get; } = new();

    /// <summary>The running loop, or null before start.</summary>
    public Task? Loop { get; set; }
}
