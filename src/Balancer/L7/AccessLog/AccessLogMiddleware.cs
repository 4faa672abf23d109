using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.ObjectPool;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7.AccessLog;

/// <summary>
/// The first middleware of the front when the access log is on: measures each request and hands an entry to the
/// <see cref="AccessLogWriter"/>; unrouted requests (404) are logged too.
/// </summary>
public sealed class AccessLogMiddleware
{
    private readonly AccessLogWriter _writer;
    private readonly ClientAddressResolver _clients;
    private readonly bool _everyListener;
    private readonly ObjectPool<AccessLogScope> _pool = new DefaultObjectPool<AccessLogScope>(new DefaultPooledObjectPolicy<AccessLogScope>(), 1024);

    /// <summary>Creates the middleware.</summary>
    /// <param name="writer">Where entries go.</param>
    /// <param name="clients">Decides whether X-Forwarded-For names the client.</param>
    /// <param name="everyListener">True when every listener logs; otherwise only connections marked by <see cref="AccessLogListenerMark"/>.</param>
    public AccessLogMiddleware(AccessLogWriter writer, ClientAddressResolver clients, bool everyListener)
    {
        _writer = writer;
        _clients = clients;
        _everyListener = everyListener;
    }

    /// <summary>The middleware delegate.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!_everyListener && context.Features.Get<AccessLogListenerMark>() is null)
        {
            await next(context);
            return;
        }
        var time = DateTime.UtcNow;
        var scope = _pool.Get();
        scope.Begin(context);
        var failed = false;
        try
        {
            await next(context);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            _writer.TryWrite(Entry(context, scope, time, failed));
            scope.End(context);
            _pool.Return(scope);
        }
    }

    private AccessLogEntry Entry(HttpContext context, AccessLogScope scope, DateTime time, bool failed)
    {
        var now = Stopwatch.GetTimestamp();
        var request = context.Request;
        var proxy = context.Features.Get<IReverseProxyFeature>();
        return new AccessLogEntry
        {
            Time = time,
            Peer = context.Connection.RemoteIpAddress,
            ForwardedFor = _clients.ForwardedFor(context),
            Method = request.Method,
            Host = request.Host.Value ?? "",
            Path = request.PathBase.HasValue ? request.PathBase.Value + request.Path.Value : request.Path.Value ?? "",
            Query = request.QueryString.Value ?? "",
            Protocol = request.Protocol,
            // An exception escaping the pipeline becomes a 500 from Kestrel after this middleware returns.
            Status = failed && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode,
            BytesIn = scope.BytesIn,
            BytesOut = scope.BytesOut,
            Duration = Stopwatch.GetElapsedTime(scope.Started, now).TotalSeconds,
            BackendTime = scope.BackendHeaders == 0 ? -1 : Stopwatch.GetElapsedTime(scope.Started, scope.BackendHeaders).TotalSeconds,
            Route = proxy?.Route.Config.RouteId,
            Cluster = proxy?.Cluster?.Config.ClusterId,
            Destination = proxy?.ProxiedDestination?.DestinationId,
            Error = context.Features.Get<IForwarderErrorFeature>()?.Error ?? ForwarderError.None,
            Referer = request.Headers.Referer.Count > 0 ? request.Headers.Referer[0] : null,
            UserAgent = request.Headers.UserAgent.Count > 0 ? request.Headers.UserAgent[0] : null,
        };
    }
}

