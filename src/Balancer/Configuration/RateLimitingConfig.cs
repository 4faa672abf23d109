namespace LoadBalancer.Balancer.Configuration;

/// <summary>The <c>Balancer:RateLimiting</c> section: named policies that routes attach with YARP's <c>RateLimiterPolicy</c> field.</summary>
public sealed record RateLimitingConfig
{
    /// <summary>Policies by name.</summary>
    public IReadOnlyDictionary<string, RateLimitPolicyConfig> Policies { get; init; } = new Dictionary<string, RateLimitPolicyConfig>();
}

/// <summary>One rate-limiting policy; which keys apply depends on <see cref="Kind"/>.</summary>
public sealed record RateLimitPolicyConfig
{
    /// <summary><c>TokenBucket</c>, <c>FixedWindow</c>, <c>SlidingWindow</c> or <c>Concurrency</c>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>Requests per window (windows), bucket size (token bucket) or requests at once (concurrency).</summary>
    public int? PermitLimit { get; init; }

    /// <summary>Window length (fixed and sliding windows).</summary>
    public TimeSpan? Window { get; init; }

    /// <summary>Segments of a sliding window.</summary>
    public int? SegmentsPerWindow { get; init; }

    /// <summary>Tokens added each <see cref="ReplenishmentPeriod"/> (token bucket).</summary>
    public int? TokensPerPeriod { get; init; }

    /// <summary>How often tokens are added (token bucket).</summary>
    public TimeSpan? ReplenishmentPeriod { get; init; }

    /// <summary>Requests over the limit that wait for a permit instead of getting 429 at once (default 0).</summary>
    public int QueueLimit { get; init; }

    /// <summary>What a limiter is kept per: <c>ClientIp</c> (default), <c>Header:&lt;name&gt;</c> or <c>Route</c>.</summary>
    public string Key { get; set; } = "ClientIp";
}
