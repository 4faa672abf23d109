namespace LoadBalancer.Health.Probes;

/// <summary>The outcome of one probe: success, a reason from a closed set, a human detail (e.g. "status 503") and how long it took.</summary>
/// <param name="Success">True when the backend passed the check.</param>
/// <param name="Reason">Why it passed or failed.</param>
/// <param name="Detail">Short human text for logs and the status page, e.g. "status 503".</param>
/// <param name="Duration">Wall time the probe took.</param>
public readonly record struct ProbeResult(bool Success, ProbeReason Reason, string Detail, TimeSpan Duration)
{
    /// <summary>A passed check.</summary>
    public static ProbeResult Ok(string detail, TimeSpan duration) => new(true, ProbeReason.Ok, detail, duration);

    /// <summary>A failed check with its reason.</summary>
    public static ProbeResult Fail(ProbeReason reason, string detail, TimeSpan duration) => new(false, reason, detail, duration);

    /// <summary>Formats as "Ok: status 200" or "Timeout: no answer after 2000 ms".</summary>
    public override string ToString() => $"{Reason}: {Detail}";
}
