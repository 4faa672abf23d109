namespace LoadBalancer.Health;

/// <summary>One pool as config defines it, for <see cref="BackendStateStore.ApplyConfig"/>.</summary>
/// <param name="PoolName">Pool name (unique).</param>
/// <param name="HasHealthCheck">False when the pool has no active check: its backends then count as Healthy.</param>
/// <param name="SlowStart">How long a backend that becomes Healthy ramps its weight from 10% to 100%; zero turns the ramp off.</param>
/// <param name="Backends">Backends in config order (the order selectors index into).</param>
public sealed record PoolStateConfig(string PoolName, bool HasHealthCheck, TimeSpan SlowStart, IReadOnlyList<BackendStateConfig> Backends);
