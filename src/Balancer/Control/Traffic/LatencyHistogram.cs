namespace LoadBalancer.Balancer.Control.Traffic;

/// <summary>Request durations in log-spaced buckets (four per doubling, so a percentile read from it is within 19%), counted lock-free.</summary>
public sealed class LatencyHistogram
{
    /// <summary>Buckets: four per doubling of microseconds, the last one open-ended (from about 16 s).</summary>
    public const int Buckets = 96;

    private readonly long[] _counts = new long[Buckets];

    /// <summary>Counts one duration.</summary>
    public void Record(TimeSpan duration)
    {
        var us = Math.Max(1.0, duration.TotalMicroseconds);
        var index = Math.Min(Buckets - 1, (int)(Math.Log2(us) * 4));
        Interlocked.Increment(ref _counts[index]);
    }

    /// <summary>Copies the cumulative counts into <paramref name="into"/>.</summary>
    public void CopyTo(long[] into)
    {
        for (var i = 0; i < Buckets; i++)
        {
            into[i] = Volatile.Read(ref _counts[i]);
        }
    }

    /// <summary>Upper bound, in milliseconds, of the bucket holding quantile <paramref name="q"/> of the counts in <paramref name="counts"/>; null without counts.</summary>
    public static double? Quantile(ReadOnlySpan<long> counts, double q)
    {
        long total = 0;
        foreach (var c in counts)
        {
            total += c;
        }
        if (total == 0)
        {
            return null;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return Math.Pow(2, (i + 1) / 4.0) / 1000.0;
            }
        }
        return Math.Pow(2, counts.Length / 4.0) / 1000.0;
    }
}
