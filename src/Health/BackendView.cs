namespace LoadBalancer.Health;

/// <summary>One backend in a <see cref="HealthSnapshot"/>: everything the L4 engine and the L7 front need to pick it or not.</summary>
/// <param name="BackendId">Backend identity inside the pool.</param>
/// <param name="Address">Address as configured.</param>
/// <param name="Health">Health; Healthy when the pool has no check.</param>
/// <param name="AdminState">Operator state.</param>
/// <param name="ConfiguredWeight">Weight from config.</param>
/// <param name="AdminWeight">Operator weight override, or null.</param>
/// <param name="EffectiveWeight">Weight to use for new flows now: 0 unless Healthy and Ready, reduced while slow-starting.</param>
/// <param name="AcceptsNewFlows">Healthy (or no check) and Ready and effective weight &gt; 0.</param>
/// <param name="LastTransition">Latest health change, or null if none yet.</param>
public sealed record BackendView(
    string BackendId,
    string Address,
    HealthState Health,
    AdminState AdminState,
    int ConfiguredWeight,
    int? AdminWeight,
    int EffectiveWeight,
    bool AcceptsNewFlows,
    TransitionInfo? LastTransition);
