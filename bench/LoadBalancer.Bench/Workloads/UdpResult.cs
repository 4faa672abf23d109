namespace LoadBalancer.Bench.Workloads;

/// <summary>What one UDP run sent and what the backends counted.</summary>
/// <param name="Sent">Datagrams handed to the kernel.</param>
/// <param name="Received">Datagrams counted by the receivers on all backends.</param>
/// <param name="Seconds">Time the sender spent sending.</param>
/// <param name="SendErrors">Send calls that failed (e.g. ENOBUFS).</param>
/// <param name="PerBackend">Datagrams counted on each backend.</param>
internal sealed record UdpResult(long Sent, long Received, double Seconds, long SendErrors, IReadOnlyList<long> PerBackend)
{
    /// <summary>Datagrams received per second of sending.</summary>
    public double ReceivedPps => Seconds > 0 ? Received / Seconds : 0;

    /// <summary>Datagrams sent per second.</summary>
    public double SentPps => Seconds > 0 ? Sent / Seconds : 0;

    /// <summary>Share lost, in percent.</summary>
    public double LossPercent => Sent > 0 ? 100.0 * Math.Max(0, Sent - Received) / Sent : 0;
}
