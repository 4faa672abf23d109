using LoadBalancer.Health.Probes;

namespace LoadBalancer.Health;

/// <summary>One active check finished: which backend and what the probe said (including how long it took).</summary>
/// <param name="PoolName">Pool the backend belongs to.</param>
/// <param name="BackendId">Backend identity inside the pool.</param>
/// <param name="Result">The probe's result; a timeout or a throwing probe is a failed result here too.</param>
public readonly record struct HealthCheckCompleted(string PoolName, string BackendId, ProbeResult Result);
