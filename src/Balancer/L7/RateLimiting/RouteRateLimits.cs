using System.Globalization;
using System.Threading.RateLimiting;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Metrics;
using Microsoft.AspNetCore.Http;
using Prometheus;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7.RateLimiting;

/// <summary>
/// Applies the routes' <c>RateLimiterPolicy</c> in YARP's proxy pipeline: over the limit a request gets 429 with
/// <c>Retry-After</c> and is counted. The limiters are rebuilt on reload; a policy whose settings did not change keeps
/// its limiters (and the permits they have handed out).
/// </summary>
public sealed class RouteRateLimits
{
    /// <summary>Limiters replaced by a reload are disposed this long after, once requests holding their permits are done.</summary>
    private static readonly TimeSpan RetireDelay = TimeSpan.FromMinutes(2);

    private readonly ClientAddressResolver _clients;
    private readonly L7OperationsMetrics _metrics;
    private State _state = new(new Dictionary<string, Policy>(), new Dictionary<string, RouteLimit>());

    /// <summary>Creates an empty set of limits; <see cref="Apply"/> fills it.</summary>
    public RouteRateLimits(ClientAddressResolver clients, L7OperationsMetrics metrics)
    {
        _clients = clients;
        _metrics = metrics;
    }

    /// <summary>Builds the limiters of a validated config and swaps them in.</summary>
    public void Apply(BalancerConfig config)
    {
        var previous = Volatile.Read(ref _state);
        var policies = new Dictionary<string, Policy>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, p) in config.Balancer.RateLimiting.Policies)
        {
            policies[name] = previous.Policies.TryGetValue(name, out var old) && old.Config == p
                ? old
                : new Policy(name, p, RateLimiterFactory.Create(p, _clients));
        }
        var routes = new Dictionary<string, RouteLimit>(StringComparer.OrdinalIgnoreCase);
        foreach (var route in config.Routes)
        {
            if (route.RateLimiterPolicy is { } name && policies.TryGetValue(name, out var policy))
            {
                // The child exists (as 0) from the start, so a dashboard sees every limited route before its first 429.
                routes[route.RouteId] = new RouteLimit(policy, _metrics.RateLimited.WithLabels(route.RouteId, policy.Name));
            }
        }
        Volatile.Write(ref _state, new State(policies, routes));
        var retired = previous.Policies.Values.Where(p => !policies.Values.Contains(p)).ToList();
        if (retired.Count > 0)
        {
            _ = Task.Delay(RetireDelay).ContinueWith(_ => retired.ForEach(p => p.Limiter.Dispose()), TaskScheduler.Default);
        }
    }

    /// <summary>The middleware for YARP's proxy pipeline.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var state = Volatile.Read(ref _state);
        return state.Routes.Count == 0 || !state.Routes.TryGetValue(context.GetReverseProxyFeature().Route.Config.RouteId, out var limit)
            ? next(context)
            : LimitedAsync(context, next, limit);
    }

    private static async Task LimitedAsync(HttpContext context, RequestDelegate next, RouteLimit limit)
    {
        RateLimitLease lease;
        try
        {
            lease = await limit.Policy.Limiter.AcquireAsync(context, 1, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        using (lease)
        {
            if (lease.IsAcquired)
            {
                await next(context);
                return;
            }
            limit.Rejected.Inc();
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }
    }

    private sealed record Policy(string Name, RateLimitPolicyConfig Config, PartitionedRateLimiter<HttpContext> Limiter);

    private sealed record RouteLimit(Policy Policy, Counter.Child Rejected);

    private sealed record State(IReadOnlyDictionary<string, Policy> Policies, IReadOnlyDictionary<string, RouteLimit> Routes);
}
