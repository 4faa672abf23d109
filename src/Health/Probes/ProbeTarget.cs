using System.Net;

namespace LoadBalancer.Health.Probes;

/// <summary>What one probe call checks: the backend's identity (for probes that need pool context, like a data-path probe), the endpoint and the HTTP settings.</summary>
/// <param name="PoolName">Pool the backend belongs to.</param>
/// <param name="BackendId">Backend identity inside the pool.</param>
/// <param name="EndPoint">Address and port to probe (the port override already applied).</param>
/// <param name="Http">Settings for the "http" and "https" probes; ignored by others.</param>
public sealed record ProbeTarget(string PoolName, string BackendId, IPEndPoint EndPoint, HttpProbeSettings Http);
