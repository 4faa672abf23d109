using System.Diagnostics;
using LoadBalancer.Balancer.L4.Engine;
using LoadBalancer.Modes.Pipeline;

namespace LoadBalancer.Balancer.Control.Traffic;

/// <summary>
/// Samples the L7 recorder and the L4 engine's per-backend counters once a second into bounded rings per backend and per
/// pool (five minutes), for the status page's rates, percentiles and sparklines.
/// </summary>
public sealed class TrafficHistory : IDisposable
{
    /// <summary>Seconds between samples.</summary>
    public const int IntervalSeconds = 1;

    private readonly TrafficRecorder? _l7;
    private readonly Func<L4Engine?> _l4;
    private readonly Dictionary<(string Pool, string Backend), TrafficSeries> _backends = [];
    private readonly Dictionary<string, TrafficSeries> _pools = [];
    private readonly Lock _lock = new();
    private readonly Timer _timer;
    private readonly long[] _histogram = new long[LatencyHistogram.Buckets];
    private long _lastSample = Stopwatch.GetTimestamp();

    /// <summary>Starts sampling <paramref name="l7"/> (null without an L7 front) and the engine <paramref name="l4"/> returns (null without L4).</summary>
    public TrafficHistory(TrafficRecorder? l7, Func<L4Engine?> l4)
    {
        _l7 = l7;
        _l4 = l4;
        _timer = new Timer(_ => Sample(), null, TimeSpan.FromSeconds(IntervalSeconds), TimeSpan.FromSeconds(IntervalSeconds));
    }

    /// <summary>
    /// Where the count of active L4 flows per (service, backend) comes from; null (shown as "-") until the connection table
    /// keeps per-backend counts.
    /// </summary>
    public Func<string, string, long?> ActiveFlows { get; set; } = static (_, _) => null;

    /// <summary>L7 requests recorded since start.</summary>
    public long Recorded => _l7?.TotalRequests ?? 0;

    /// <summary>Takes one sample now (the timer calls it every second).</summary>
    public void Sample()
    {
        lock (_lock)
        {
            var now = Stopwatch.GetTimestamp();
            var seconds = Stopwatch.GetElapsedTime(_lastSample, now).TotalSeconds;
            _lastSample = now;
            if (_l7 is not null)
            {
                SampleL7(seconds);
            }
            if (_l4() is { } engine)
            {
                SampleL4(engine, seconds);
            }
        }
    }

    private void SampleL7(double seconds)
    {
        foreach (var cluster in _l7!.Destinations.GroupBy(d => d.Key.Cluster))
        {
            var pool = new TrafficTotals();
            var poolHistogram = new long[LatencyHistogram.Buckets];
            foreach (var (key, traffic) in cluster)
            {
                var totals = new TrafficTotals(traffic.Requests, traffic.Errors5xx, traffic.ConnectFailures, traffic.BytesIn, traffic.BytesOut, 0);
                traffic.Latency.CopyTo(_histogram);
                for (var i = 0; i < _histogram.Length; i++)
                {
                    poolHistogram[i] += _histogram[i];
                }
                pool = Sum(pool, totals);
                if (key.Destination.Length > 0)
                {
                    Series(_backends, key, _ => new TrafficSeries()).Add(totals, _histogram, seconds);
                }
            }
            Series(_pools, cluster.Key, _ => new TrafficSeries()).Add(pool, poolHistogram, seconds);
        }
    }

    private void SampleL4(L4Engine engine, double seconds)
    {
        var workers = engine.Workers;
        if (workers.Count == 0)
        {
            return;
        }
        var services = engine.Names.ServiceNames;
        var maxBackends = workers[0].Counters.MaxBackendsPerService;
        for (var s = 0; s < services.Count && s < workers[0].Counters.MaxServices; s++)
        {
            var pool = new TrafficTotals();
            var backends = engine.Names.BackendNames(services[s]);
            for (var b = 0; b < backends.Count && b < maxBackends; b++)
            {
                if (backends[b].Length == 0)
                {
                    continue;
                }
                long Sum(Func<DataPlaneCounters, long> read) => workers.Sum(w => read(w.Counters));
                var totals = new TrafficTotals(0, 0, 0,
                    Sum(c => c.GetBytes(s, b, FlowDirection.ToBackend)), Sum(c => c.GetBytes(s, b, FlowDirection.ToClient)),
                    Sum(c => c.GetPackets(s, b, FlowDirection.ToBackend) + c.GetPackets(s, b, FlowDirection.ToClient)));
                pool = TrafficHistory.Sum(pool, totals);
                Series(_backends, (services[s], backends[b]), _ => new TrafficSeries()).Add(totals, null, seconds);
            }
            Series(_pools, services[s], _ => new TrafficSeries()).Add(pool, null, seconds);
        }
    }

    private static TrafficSeries Series<TKey>(Dictionary<TKey, TrafficSeries> map, TKey key, Func<TKey, TrafficSeries> create) where TKey : notnull
    {
        if (!map.TryGetValue(key, out var series))
        {
            map[key] = series = create(key);
        }
        return series;
    }

    private static TrafficTotals Sum(TrafficTotals a, TrafficTotals b) => new(a.Requests + b.Requests, a.Errors5xx + b.Errors5xx,
        a.ConnectFailures + b.ConnectFailures, a.BytesIn + b.BytesIn, a.BytesOut + b.BytesOut, a.Packets + b.Packets);

    /// <summary>The traffic of one backend as the status API shows it (zeros before its first request).</summary>
    public TrafficStatus Backend(string pool, string backend)
    {
        lock (_lock)
        {
            return Status(_backends.GetValueOrDefault((pool, backend)), ActiveFlows(pool, backend));
        }
    }

    /// <summary>The traffic of one pool (all its backends, and requests that reached none).</summary>
    public TrafficStatus Pool(string pool, IEnumerable<string> backends)
    {
        long? flows = null;
        foreach (var b in backends)
        {
            if (ActiveFlows(pool, b) is { } n)
            {
                flows = (flows ?? 0) + n;
            }
        }
        lock (_lock)
        {
            return Status(_pools.GetValueOrDefault(pool), flows);
        }
    }

    private static TrafficStatus Status(TrafficSeries? s, long? flows)
    {
        if (s is null)
        {
            return new TrafficStatus(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, 0, 0, flows, TrafficHistoryStatus.Empty);
        }
        var t = s.Totals;
        return new TrafficStatus(t.Requests, s.Rate(TrafficField.Requests), t.Errors5xx, s.Rate(TrafficField.Errors5xx),
            t.ConnectFailures, s.Rate(TrafficField.ConnectFailures), t.BytesIn, t.BytesOut, s.Rate(TrafficField.BytesIn), s.Rate(TrafficField.BytesOut),
            s.Percentile(0.5), s.Percentile(0.99), t.Packets, s.Rate(TrafficField.Packets), flows,
            new TrafficHistoryStatus(IntervalSeconds, s.History(TrafficField.Requests), s.History(TrafficField.Errors5xx),
                s.History(TrafficField.ConnectFailures), s.History(TrafficField.BytesIn), s.History(TrafficField.BytesOut),
                s.History(TrafficField.P99Ms), s.History(TrafficField.Packets)));
    }

    /// <summary>Stops sampling.</summary>
    public void Dispose() => _timer.Dispose();
}

/// <summary>Traffic of a backend or pool: totals since start, per-second rates over the last 10 s, percentiles (ms) over about the last minute, and the last five minutes.</summary>
public sealed record TrafficStatus(long Requests, double RequestRate, long Errors5xx, double Errors5xxRate, long ConnectFailures,
    double ConnectFailureRate, long BytesIn, long BytesOut, double BytesInRate, double BytesOutRate, double? P50Ms, double? P99Ms,
    long Packets, double PacketRate, long? ActiveFlows, TrafficHistoryStatus History);

/// <summary>Per-sample values, oldest first, one every <see cref="IntervalSeconds"/> seconds (rates per second; p99 in ms).</summary>
public sealed record TrafficHistoryStatus(int IntervalSeconds, float[] Requests, float[] Errors5xx, float[] ConnectFailures,
    float[] BytesIn, float[] BytesOut, float[] P99Ms, float[] Packets)
{
    /// <summary>No samples yet.</summary>
    public static readonly TrafficHistoryStatus Empty = new(TrafficHistory.IntervalSeconds, [], [], [], [], [], [], []);
}
