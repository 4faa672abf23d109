namespace LoadBalancer.Balancer.Configuration;

/// <summary>What a rate-limiting policy keeps one limiter per, parsed once from <see cref="RateLimitPolicyConfig.Key"/>.</summary>
/// <param name="Kind">Which part of the request is the key.</param>
/// <param name="Header">The header name for <see cref="RateLimitKeyKind.Header"/>.</param>
public readonly record struct RateLimitKey(RateLimitKeyKind Kind, string Header)
{
    /// <summary>Parses <c>ClientIp</c>, <c>Route</c> or <c>Header:&lt;name&gt;</c>.</summary>
    public static bool TryParse(string? text, out RateLimitKey key)
    {
        key = default;
        if (string.Equals(text, "ClientIp", StringComparison.OrdinalIgnoreCase))
        {
            key = new RateLimitKey(RateLimitKeyKind.ClientIp, "");
        }
        else if (string.Equals(text, "Route", StringComparison.OrdinalIgnoreCase))
        {
            key = new RateLimitKey(RateLimitKeyKind.Route, "");
        }
        else if (text is not null && text.StartsWith("Header:", StringComparison.OrdinalIgnoreCase) && text.Length > 7 && !string.IsNullOrWhiteSpace(text[7..]))
        {
            key = new RateLimitKey(RateLimitKeyKind.Header, text[7..].Trim());
        }
        else
        {
            return false;
        }
        return true;
    }
}

/// <summary>The part of a request a rate limit is keyed by.</summary>
public enum RateLimitKeyKind
{
    /// <summary>The client address (X-Forwarded-For's first address when the peer is a trusted proxy).</summary>
    ClientIp,

    /// <summary>A request header's value (a request without it shares one limiter with the others that lack it).</summary>
    Header,

    /// <summary>The route: one limiter for all clients of the route.</summary>
    Route,
}
