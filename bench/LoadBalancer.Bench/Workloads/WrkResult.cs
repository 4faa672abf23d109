namespace LoadBalancer.Bench.Workloads;

/// <summary>What one wrk run reported.</summary>
/// <param name="Requests">Completed requests.</param>
/// <param name="Seconds">Measured duration.</param>
/// <param name="P50Ms">Median latency in ms.</param>
/// <param name="P99Ms">99th percentile latency in ms.</param>
/// <param name="Errors">Socket errors plus non-2xx/3xx responses.</param>
/// <param name="CpuTicks">wrk's own user + system time in clock ticks.</param>
internal sealed record WrkResult(long Requests, double Seconds, double P50Ms, double P99Ms, long Errors, long CpuTicks)
{
    /// <summary>Requests per second.</summary>
    public double Rps => Seconds > 0 ? Requests / Seconds : 0;
}
