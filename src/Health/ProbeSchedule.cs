namespace LoadBalancer.Health;

/// <summary>When a backend's next check runs: the fast interval while a change is pending, spread by jitter.</summary>
internal static class ProbeSchedule
{
    /// <summary>The delay before the next check; stays within ±Jitter of the base interval.</summary>
    public static TimeSpan NextDelay(HealthCheckOptions options, bool inTransition, Random random)
    {
        var baseDelay = inTransition && options.FastInterval is { } fast ? fast : options.Interval;
        return Spread(baseDelay, options.Jitter, random);
    }

    /// <summary>The delay before a new target's first check: a random slice of the jitter window so a restart does not check every backend at once.</summary>
    public static TimeSpan FirstDelay(HealthCheckOptions options, Random random)
    {
        var baseDelay = options.FastInterval ?? options.Interval;
        return TimeSpan.FromTicks((long)(baseDelay.Ticks * options.Jitter * NextDouble(random)));
    }

    private static TimeSpan Spread(TimeSpan baseDelay, double jitter, Random random)
    {
        var factor = 1 + (jitter * ((2 * NextDouble(random)) - 1));
        return TimeSpan.FromTicks(Math.Max(1, (long)(baseDelay.Ticks * factor)));
    }

    private static double NextDouble(Random random)
    {
        // Random is not thread-safe and targets run on many threads.
        lock (random)
        {
            return random.NextDouble();
        }
    }
}
