using System.Net;
using LoadBalancer.Health.Probes;

namespace LoadBalancer.Health;

/// <summary>One backend to check: identity (pool + backend id), address and the pool's check options.</summary>
/// <param name="PoolName">Pool the backend belongs to.</param>
/// <param name="BackendId">Backend identity inside the pool (unique per pool).</param>
/// <param name="Address">Backend address.</param>
/// <param name="Port">Backend port; <see cref="HealthCheckOptions.Port"/> overrides it for the probe.</param>
/// <param name="Options">How to check it (validated).</param>
public sealed record HealthTarget(string PoolName, string BackendId, IPAddress Address, int Port, HealthCheckOptions Options)
{
    /// <summary>The probe's view of this target.</summary>
    internal ProbeTarget ToProbeTarget() =>
        new(PoolName, BackendId, new IPEndPoint(Address, Options.Port ?? Port), Options.ToHttpSettings());
}
