using System.Collections.Concurrent;
using System.Diagnostics;
using LoadBalancer.Balancer.L7;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.Control.Traffic;

/// <summary>
/// Proxy-pipeline step (after the connect-failure retry, so every attempt is seen with the destination it went to):
/// counts requests, 5xx, failed connects, body bytes and durations per cluster and destination for the status page.
/// </summary>
public sealed class TrafficRecorder
{
    private readonly ConcurrentDictionary<(string Cluster, string Destination), DestinationTraffic> _destinations = new();

    /// <summary>Every (cluster, destination) seen so far; destination "" holds requests that reached none.</summary>
    public IEnumerable<KeyValuePair<(string Cluster, string Destination), DestinationTraffic>> Destinations => _destinations;

    /// <summary>Requests recorded since start, over all clusters.</summary>
    public long TotalRequests => _destinations.Values.Sum(d => d.Requests);

    /// <summary>The counters of one destination (created on first use).</summary>
    public DestinationTraffic For(string cluster, string destination) =>
        _destinations.GetOrAdd((cluster, destination), static _ => new DestinationTraffic());

    /// <summary>The middleware.</summary>
    public async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        // The access log (when on) or an earlier attempt already wrapped the bodies: read those counts, wrap nothing again.
        var request = context.Request.Body as CountingStream;
        if (request is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            context.Request.Body = request = new CountingStream(context.Request.Body);
        }
        if (context.Response.Body is not CountingStream response)
        {
            context.Response.Body = response = new CountingStream(context.Response.Body);
        }
        var (readBefore, writtenBefore) = (request?.Count ?? 0, response.Count);
        try
        {
            await next(context);
        }
        finally
        {
            var proxy = context.GetReverseProxyFeature();
            var cluster = proxy.Cluster?.Config.ClusterId ?? "";
            var destination = proxy.ProxiedDestination?.DestinationId ?? "";
            var error = context.Features.Get<IForwarderErrorFeature>();
            For(cluster, destination).Record(context.Response.StatusCode, error is not null && L7.ConnectFailureRetry.IsConnectFailure(error),
                (request?.Count ?? 0) - readBefore, response.Count - writtenBefore, Stopwatch.GetElapsedTime(started));
        }
    }
}
