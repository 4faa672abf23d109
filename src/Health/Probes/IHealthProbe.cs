namespace LoadBalancer.Health.Probes;

/// <summary>One kind of active health check (TCP connect, HTTP GET, ...), looked up by <see cref="Name"/> from config.</summary>
/// <remarks>Implementations report network failures as a failed <see cref="ProbeResult"/>, never as an exception; the deadline is the cancellation of <c>ct</c>.</remarks>
public interface IHealthProbe
{
    /// <summary>The probe name used in config (e.g. "tcp", "http", "https", "datapath").</summary>
    string Name { get; }

    /// <summary>Checks one backend once; cancellation of <paramref name="ct"/> is the probe's timeout and yields <see cref="ProbeReason.Timeout"/>.</summary>
    ValueTask<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken ct);
}
