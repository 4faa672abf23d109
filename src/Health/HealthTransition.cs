namespace LoadBalancer.Health;

/// <summary>A backend's health changed state.</summary>
/// <param name="PoolName">Pool the backend belongs to.</param>
/// <param name="BackendId">Backend identity inside the pool.</param>
/// <param name="From">State before.</param>
/// <param name="To">State after.</param>
/// <param name="Reason">Why, e.g. "3 consecutive failures, last: BadStatus: status 503".</param>
/// <param name="At">When (from the monitor's TimeProvider).</param>
public sealed record HealthTransition(string PoolName, string BackendId, HealthState From, HealthState To, string Reason, DateTimeOffset At);
