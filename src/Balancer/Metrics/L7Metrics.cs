using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Prometheus;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.Metrics;

/// <summary>Per-request metrics of the L7 front, recorded by a middleware in YARP's proxy pipeline with cached label children.</summary>
public sealed class L7Metrics
{
    private static readonly double[] DurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly string[] CodeClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"];

    private readonly Counter _requests;
    private readonly Histogram _duration;
    private readonly Gauge _active;
    private readonly Counter _errors;
    private readonly ConcurrentDictionary<(string Route, string Cluster, string Destination, int CodeClass), Counter.Child> _requestChildren = new();
    private readonly ConcurrentDictionary<(string Route, string Cluster), (Histogram.Child Duration, Gauge.Child Active)> _routeChildren = new();
    private readonly ConcurrentDictionary<(string Cluster, ForwarderError Error), Counter.Child> _errorChildren = new();

    /// <summary>Creates the L7 metrics in the instance's registry.</summary>
    public L7Metrics(BalancerMetrics metrics)
    {
        var f = Prometheus.Metrics.WithCustomRegistry(metrics.Registry);
        // Exemplars would read the current trace on every observation; nothing here consumes them.
        f.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        _requests = f.CreateCounter("lb_http_requests_total", "HTTP requests proxied, by route, cluster, destination and status class.",
            ["route", "cluster", "destination", "code"]);
        _duration = f.CreateHistogram("lb_http_request_duration_seconds", "Time from the request entering the proxy pipeline to the response being complete.",
            ["route", "cluster"], new HistogramConfiguration { Buckets = DurationBuckets });
        _active = f.CreateGauge("lb_http_active_requests", "HTTP requests in flight, by route and cluster.", ["route", "cluster"]);
        _errors = f.CreateCounter("lb_http_proxy_errors_total", "Proxy errors by cluster and YARP error kind (e.g. Request, RequestTimedOut, NoAvailableDestinations).",
            ["cluster", "error"]);
    }

    /// <summary>The duration histogram and in-flight gauge of a route (cached).</summary>
    internal (Histogram.Child Duration, Gauge.Child Active) RouteChildren(string route, string cluster) =>
        _routeChildren.GetOrAdd((route, cluster), static (k, m) =>
            (m._duration.WithLabels(k.Route, k.Cluster), m._active.WithLabels(k.Route, k.Cluster)), this);

    /// <summary>Counts one finished request.</summary>
    internal void CountRequest(string route, string cluster, string destination, int status)
    {
        var codeClass = Math.Clamp(status / 100, 1, 5);
        _requestChildren.GetOrAdd((route, cluster, destination, codeClass), static (k, m) =>
            m._requests.WithLabels(k.Route, k.Cluster, k.Destination, CodeClasses[k.CodeClass - 1]), this).Inc();
    }

    /// <summary>Counts one proxy error.</summary>
    internal void CountError(string cluster, ForwarderError error) =>
        _errorChildren.GetOrAdd((cluster, error), static (k, m) => m._errors.WithLabels(k.Cluster, k.Error.ToString()), this).Inc();

    /// <summary>The middleware to put first in YARP's proxy pipeline.</summary>
    public async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        var proxy = context.GetReverseProxyFeature();
        var route = proxy.Route.Config.RouteId;
        var cluster = proxy.Cluster?.Config.ClusterId ?? "";
        var children = RouteChildren(route, cluster);
        var started = Stopwatch.GetTimestamp();
        children.Active.Inc();
        try
        {
            await next(context);
        }
        finally
        {
            children.Duration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            CountRequest(route, cluster, proxy.ProxiedDestination?.DestinationId ?? "", context.Response.StatusCode);
            if (context.Features.Get<IForwarderErrorFeature>() is { } error)
            {
                CountError(cluster, error.Error);
            }
            // Last: a scrape that sees no active request sees every finished one counted.
            children.Active.Dec();
        }
    }
}
