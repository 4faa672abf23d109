namespace LoadBalancer.Bench.Traffic;

/// <summary>Loss per second of a paced sequence-numbered send (the cold-start row).</summary>
/// <param name="Sent">Datagrams sent.</param>
/// <param name="Received">Datagrams received in all.</param>
/// <param name="PerSecondLossPercent">Loss of each full or partial second of sending, in percent.</param>
public sealed record ColdStartResult(long Sent, long Received, IReadOnlyList<double> PerSecondLossPercent)
{
    /// <summary>Loss overall, in percent.</summary>
    public double LossPercent => Sent > 0 ? 100.0 * Math.Max(0, Sent - Received) / Sent : 100;

    /// <summary>Loss in the first second, in percent.</summary>
    public double FirstSecondLossPercent => PerSecondLossPercent.Count > 0 ? PerSecondLossPercent[0] : 100;

    /// <summary>
    /// Computes per-second loss from received counts per sequence bucket (<paramref name="perBucket"/>, bucket =
    /// one second at <paramref name="rate"/>; a last extra entry holds anything out of range) and the total sent
    /// (sequence numbers 0 .. sent-1).
    /// </summary>
    public static ColdStartResult From(long sent, long rate, IReadOnlyList<long> perBucket)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rate, 1);
        var loss = new List<double>();
        for (int b = 0; b < perBucket.Count - 1; b++)
        {
            long inBucket = Math.Clamp(sent - (b * rate), 0, rate);
            if (inBucket == 0)
            {
                break;
            }

            loss.Add(100.0 * Math.Max(0, inBucket - perBucket[b]) / inBucket);
        }

        return new ColdStartResult(sent, perBucket.Sum(), loss);
    }
}
