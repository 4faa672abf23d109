namespace LoadBalancer.Balancer.Control.Traffic;

/// <summary>Cumulative L7 counters of one destination (or the requests of a cluster that reached none), updated lock-free by requests.</summary>
public sealed class DestinationTraffic
{
    private long _requests;
    private long _errors5xx;
    private long _connectFailures;
    private long _bytesIn;
    private long _bytesOut;

    /// <summary>Durations of the requests.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Requests completed.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests answered with a 5xx status.</summary>
    public long Errors5xx => Interlocked.Read(ref _errors5xx);

    /// <summary>Requests whose connection to the destination could not be made.</summary>
    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    /// <summary>Request body bytes read from clients.</summary>
    public long BytesIn => Interlocked.Read(ref _bytesIn);

    /// <summary>Response body bytes written to clients.</summary>
    public long BytesOut => Interlocked.Read(ref _bytesOut);

    /// <summary>Counts one completed request.</summary>
    public void Record(int status, bool connectFailure, long bytesIn, long bytesOut, TimeSpan duration)
    {
        Interlocked.Increment(ref _requests);
        if (status >= 500)
        {
            Interlocked.Increment(ref _errors5xx);
        }
        if (connectFailure)
        {
            Interlocked.Increment(ref _connectFailures);
        }
        Interlocked.Add(ref _bytesIn, bytesIn);
        Interlocked.Add(ref _bytesOut, bytesOut);
        Latency.Record(duration);
    }
}
