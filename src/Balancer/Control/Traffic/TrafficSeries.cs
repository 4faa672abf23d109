namespace LoadBalancer.Balancer.Control.Traffic;

/// <summary>
/// The last <see cref="Capacity"/> samples of one backend or pool (per-second rates, latency percentiles) in fixed rings,
/// plus its running totals: memory stays the same however long the balancer runs.
/// </summary>
public sealed class TrafficSeries
{
    /// <summary>Samples kept: five minutes at one per second.</summary>
    public const int Capacity = 300;

    /// <summary>Samples averaged for the "now" rates.</summary>
    public const int Window = 10;

    /// <summary>Samples between the latency snapshots kept for the percentiles.</summary>
    public const int SnapshotEvery = 5;

    /// <summary>Snapshots back that the percentiles cover: a minute at one sample per second.</summary>
    public const int PercentileSnapshots = 12;

    private readonly float[][] _rings = new float[(int)TrafficField.Count][];
    private readonly long[][] _snapshots = new long[PercentileSnapshots + 1][];
    private long[] _current = new long[LatencyHistogram.Buckets];
    private long[] _previous = new long[LatencyHistogram.Buckets];
    private int _next;
    private int _count;
    private int _latencySamples;
    private int _snapshotNext;
    private int _snapshotCount;

    /// <summary>Creates empty rings.</summary>
    public TrafficSeries()
    {
        for (var i = 0; i < _rings.Length; i++)
        {
            _rings[i] = new float[Capacity];
        }
        for (var i = 0; i < _snapshots.Length; i++)
        {
            _snapshots[i] = new long[LatencyHistogram.Buckets];
        }
    }

    /// <summary>Totals since start: requests, 5xx, failed connects, bytes in, bytes out, packets.</summary>
    public TrafficTotals Totals { get; private set; }

    /// <summary>Adds one sample: the totals now, the cumulative latency counts now, and the seconds since the previous sample.</summary>
    public void Add(TrafficTotals totals, long[]? cumulativeLatency, double seconds)
    {
        var previous = Totals;
        var first = _count == 0 && previous == default;
        Totals = totals;
        if (cumulativeLatency is not null)
        {
            (_previous, _current) = (_current, _previous);
            cumulativeLatency.CopyTo(_current, 0);
            if (_latencySamples++ % SnapshotEvery == 0)
            {
                _current.CopyTo(_snapshots[_snapshotNext], 0);
                _snapshotNext = (_snapshotNext + 1) % _snapshots.Length;
                _snapshotCount = Math.Min(_snapshotCount + 1, _snapshots.Length);
            }
        }
        if (first && totals == default)
        {
            return;
        }
        var s = Math.Max(seconds, 0.001);
        Set(TrafficField.Requests, (totals.Requests - previous.Requests) / s);
        Set(TrafficField.Errors5xx, (totals.Errors5xx - previous.Errors5xx) / s);
        Set(TrafficField.ConnectFailures, (totals.ConnectFailures - previous.ConnectFailures) / s);
        Set(TrafficField.BytesIn, (totals.BytesIn - previous.BytesIn) / s);
        Set(TrafficField.BytesOut, (totals.BytesOut - previous.BytesOut) / s);
        Set(TrafficField.Packets, (totals.Packets - previous.Packets) / s);
        Set(TrafficField.P99Ms, cumulativeLatency is null ? 0 : Quantile(0.99, _current, _latencySamples > 1 ? _previous : null) ?? 0);
        _next = (_next + 1) % Capacity;
        _count = Math.Min(_count + 1, Capacity);
    }

    private void Set(TrafficField field, double value) => _rings[(int)field][_next] = (float)value;

    /// <summary>Samples held (at most <see cref="Capacity"/>).</summary>
    public int Count => _count;

    /// <summary>The samples of one field, oldest first.</summary>
    public float[] History(TrafficField field)
    {
        var ring = _rings[(int)field];
        var result = new float[_count];
        for (var i = 0; i < _count; i++)
        {
            result[i] = ring[(_next - _count + i + Capacity) % Capacity];
        }
        return result;
    }

    /// <summary>Mean of the last <see cref="Window"/> samples of one field (0 without samples).</summary>
    public double Rate(TrafficField field)
    {
        var n = Math.Min(_count, Window);
        if (n == 0)
        {
            return 0;
        }
        var ring = _rings[(int)field];
        double sum = 0;
        for (var i = 1; i <= n; i++)
        {
            sum += ring[(_next - i + Capacity) % Capacity];
        }
        return sum / n;
    }

    /// <summary>Quantile <paramref name="q"/> in ms of the request durations of about the last minute; null without requests in it.</summary>
    public double? Percentile(double q)
    {
        if (_latencySamples == 0)
        {
            return null;
        }
        // Until the ring has wrapped, the window starts from zero: the series began empty.
        var oldest = _snapshotCount == _snapshots.Length ? _snapshots[_snapshotNext] : null;
        return Quantile(q, _current, oldest);
    }

    private static double? Quantile(double q, long[] newest, long[]? oldest)
    {
        Span<long> delta = stackalloc long[LatencyHistogram.Buckets];
        for (var i = 0; i < delta.Length; i++)
        {
            delta[i] = newest[i] - (oldest?[i] ?? 0);
        }
        return LatencyHistogram.Quantile(delta, q);
    }
}

/// <summary>Running totals of a backend or pool.</summary>
public readonly record struct TrafficTotals(long Requests, long Errors5xx, long ConnectFailures, long BytesIn, long BytesOut, long Packets);

/// <summary>The per-second fields a <see cref="TrafficSeries"/> keeps.</summary>
public enum TrafficField
{
    /// <summary>Requests per second.</summary>
    Requests,

    /// <summary>5xx responses per second.</summary>
    Errors5xx,

    /// <summary>Failed connects to the backend per second.</summary>
    ConnectFailures,

    /// <summary>Request body bytes per second.</summary>
    BytesIn,

    /// <summary>Response body bytes per second.</summary>
    BytesOut,

    /// <summary>99th percentile request duration of the second, ms.</summary>
    P99Ms,

    /// <summary>L4 packets per second (both directions).</summary>
    Packets,

    /// <summary>Number of fields.</summary>
    Count,
}
