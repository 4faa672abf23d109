namespace LoadBalancer.Balancer.Control.Traffic;

/// <summary>
/// The last <see cref="Capacity"/> samples of one backend or pool (per-second rates, latency percentiles) in fixed rings,
/// plus its running totals: memory stays the same however long the balancer runs.
/// </summary>
public sealed class TrafficSeries
{
    /// <summary>Samples kept: five minutes at one per second.</summary>
    public const int Capacity = 300;

    /// <summary>Samples averaged for the "now" rates and percentiles.</summary>
    public const int Window = 10;

    private readonly float[][] _rings = new float[(int)TrafficField.Count][];
    private readonly long[][] _latencyRing = new long[Window + 1][];
    private int _next;
    private int _count;
    private int _latencyNext;
    private int _latencyCount;

    /// <summary>Creates empty rings.</summary>
    public TrafficSeries()
    {
        for (var i = 0; i < _rings.Length; i++)
        {
            _rings[i] = new float[Capacity];
        }
        for (var i = 0; i < _latencyRing.Length; i++)
        {
            _latencyRing[i] = new long[LatencyHistogram.Buckets];
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
            cumulativeLatency.CopyTo(_latencyRing[_latencyNext], 0);
            _latencyNext = (_latencyNext + 1) % _latencyRing.Length;
            _latencyCount = Math.Min(_latencyCount + 1, _latencyRing.Length);
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
        Set(TrafficField.P99Ms, Percentile(0.99, 1) ?? 0);
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

    /// <summary>Quantile <paramref name="q"/> in ms of the durations of the last <paramref name="samples"/> samples (at most <see cref="Window"/>); null without requests.</summary>
    public double? Percentile(double q, int samples = Window)
    {
        var back = Math.Min(samples, _latencyCount - 1);
        if (back <= 0)
        {
            return _latencyCount == 1 ? LatencyHistogram.Quantile(_latencyRing[0], q) : null;
        }
        var newest = _latencyRing[(_latencyNext - 1 + _latencyRing.Length) % _latencyRing.Length];
        var oldest = _latencyRing[(_latencyNext - 1 - back + 2 * _latencyRing.Length) % _latencyRing.Length];
        Span<long> delta = stackalloc long[LatencyHistogram.Buckets];
        for (var i = 0; i < delta.Length; i++)
        {
            delta[i] = newest[i] - oldest[i];
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
