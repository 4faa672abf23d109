namespace LoadBalancer.Modes.Tests.TestSupport;

/// <summary>A clock that only moves when a test says so.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks = 1_000_000;

    public override long TimestampFrequency => 1_000_000;

    public override long GetTimestamp() => Volatile.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, (long)(by.TotalSeconds * TimestampFrequency));
}
