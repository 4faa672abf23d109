using LoadBalancer.Health.Probes;

namespace LoadBalancer.Health;

/// <summary>The monitor's view of one backend at a moment: state, streaks and the latest result.</summary>
/// <param name="PoolName">Pool the backend belongs to.</param>
/// <param name="BackendId">Backend identity inside the pool.</param>
/// <param name="Probe">Probe name used.</param>
/// <param name="State">Current health.</param>
/// <param name="Successes">Passes in a row.</param>
/// <param name="Failures">Failures in a row.</param>
/// <param name="LastResult">Latest probe result, or null before the first check.</param>
/// <param name="LastTransition">Latest state change, or null while the backend is still in its first state.</param>
public sealed record BackendHealthStatus(
    string PoolName,
    string BackendId,
    string Probe,
    HealthState State,
    int Successes,
    int Failures,
    ProbeResult? LastResult,
    HealthTransition? LastTransition);
