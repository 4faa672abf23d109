namespace LoadBalancer.Health;

/// <summary>One backend as config defines it, for <see cref="BackendStateStore.ApplyConfig"/>.</summary>
/// <param name="BackendId">Backend identity inside the pool (unique per pool).</param>
/// <param name="Address">Address as shown to users, e.g. "10.0.0.2:80"; a change means a different server, so health restarts Unknown.</param>
/// <param name="Weight">Configured weight (&gt;= 0).</param>
public sealed record BackendStateConfig(string BackendId, string Address, int Weight);
