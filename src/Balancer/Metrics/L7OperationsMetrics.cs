using Prometheus;

namespace LoadBalancer.Balancer.Metrics;

/// <summary>Metrics of the L7 front's access log and rate limits.</summary>
public sealed class L7OperationsMetrics
{
    /// <summary>Creates the metrics in the instance's registry (unlabelled ones show as 0 from the start).</summary>
    public L7OperationsMetrics(BalancerMetrics metrics)
    {
        var f = Prometheus.Metrics.WithCustomRegistry(metrics.Registry);
        AccessLogLines = f.CreateCounter("lb_access_log_lines_total", "Access log lines written.");
        AccessLogDropped = f.CreateCounter("lb_access_log_dropped_total", "Access log lines dropped because the writer's queue was full (requests never wait for the log).");
        RateLimited = f.CreateCounter("lb_http_rate_limited_total", "Requests refused with 429 by a route's rate-limiting policy.", ["route", "policy"]);
    }

    /// <summary>lb_access_log_lines_total.</summary>
    public Counter AccessLogLines { get; }

    /// <summary>lb_access_log_dropped_total.</summary>
    public Counter AccessLogDropped { get; }

    /// <summary>lb_http_rate_limited_total{route,policy}.</summary>
    public Counter RateLimited { get; }
}
