using System.Threading.RateLimiting;
using LoadBalancer.Balancer.Configuration;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7.RateLimiting;

/// <summary>Turns a validated policy into a <see cref="PartitionedRateLimiter{HttpContext}"/> with one limiter per key.</summary>
internal static class RateLimiterFactory
{
    public static PartitionedRateLimiter<HttpContext> Create(RateLimitPolicyConfig p, ClientAddressResolver clients)
    {
        RateLimitKey.TryParse(p.Key, out var key);
        Func<string, RateLimitPartition<string>> partition = p.Kind.ToLowerInvariant() switch
        {
            "tokenbucket" => k => RateLimitPartition.GetTokenBucketLimiter(k, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = p.PermitLimit!.Value,
                TokensPerPeriod = p.TokensPerPeriod!.Value,
                ReplenishmentPeriod = p.ReplenishmentPeriod!.Value,
                QueueLimit = p.QueueLimit,
                AutoReplenishment = true,
            }),
            "fixedwindow" => k => RateLimitPartition.GetFixedWindowLimiter(k, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = p.PermitLimit!.Value,
                Window = p.Window!.Value,
                QueueLimit = p.QueueLimit,
                AutoReplenishment = true,
            }),
            "slidingwindow" => k => RateLimitPartition.GetSlidingWindowLimiter(k, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = p.PermitLimit!.Value,
                Window = p.Window!.Value,
                SegmentsPerWindow = p.SegmentsPerWindow!.Value,
                QueueLimit = p.QueueLimit,
                AutoReplenishment = true,
            }),
            _ => k => RateLimitPartition.GetConcurrencyLimiter(k, _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = p.PermitLimit!.Value,
                QueueLimit = p.QueueLimit,
            }),
        };
        return key.Kind switch
        {
            RateLimitKeyKind.ClientIp => PartitionedRateLimiter.Create<HttpContext, string>(c => partition(clients.Resolve(c))),
            RateLimitKeyKind.Header => PartitionedRateLimiter.Create<HttpContext, string>(c =>
                partition(c.Request.Headers.TryGetValue(key.Header, out var v) ? v.ToString() : "")),
            _ => PartitionedRateLimiter.Create<HttpContext, string>(c => partition(c.GetReverseProxyFeature().Route.Config.RouteId)),
        };
    }
}
