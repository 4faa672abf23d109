using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace LoadBalancer.Balancer.Hosting;

/// <summary>
/// Graceful end of a front's client connections at shutdown: counts open connections, and once draining, every HTTP/1.x
/// response carries <c>Connection: close</c>, so each keep-alive connection ends cleanly after its next response instead
/// of being cut while a request may be on its way.
/// </summary>
internal sealed class ConnectionDrain
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Connections that sent no request for this long while draining, with none in flight, count as idle: they are closed then.</summary>
    public static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(1);

    private long _open;
    private long _lastRequest;
    private volatile bool _draining;

    /// <summary>Client connections open now (all listeners).</summary>
    public long Open => Interlocked.Read(ref _open);

    /// <summary>True once <see cref="DrainAsync"/> has begun.</summary>
    public bool Draining => _draining;

    /// <summary>Connection middleware for a listener: counts the connection while it is open.</summary>
    public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
    {
        Opened();
        try
        {
            await next(connection);
        }
        finally
        {
            Closed();
        }
    };

    /// <summary>A connection Kestrel does not see opened (the fast path's own sockets).</summary>
    public void Opened() => Interlocked.Increment(ref _open);

    /// <summary>Such a connection closed (or went on to Kestrel, which counts it from then).</summary>
    public void Closed() => Interlocked.Decrement(ref _open);

    /// <summary>Request middleware: while draining, the response closes its HTTP/1.x connection.</summary>
    public Task CloseWhenDrainingAsync(HttpContext context, RequestDelegate next)
    {
        if (_draining)
        {
            NoteRequest();
        }
        if (_draining && !HttpProtocol.IsHttp2(context.Request.Protocol) && !HttpProtocol.IsHttp3(context.Request.Protocol))
        {
            // Set as the response starts: a retry inside the proxy pipeline clears the response headers before that.
            context.Response.OnStarting(static state =>
            {
                ((HttpResponse)state).Headers.Connection = "close";
                return Task.CompletedTask;
            }, context.Response);
        }
        return next(context);
    }

    /// <summary>A request arrived while draining: the connections are not idle yet.</summary>
    public void NoteRequest() => Volatile.Write(ref _lastRequest, Environment.TickCount64);

    /// <summary>
    /// Starts draining and waits until no connection is open, or the open ones have been idle for <see cref="IdleAfter"/>
    /// with <paramref name="inFlight"/> at 0 (a browser's idle keep-alive connection would otherwise hold a stop for the
    /// whole timeout), or <paramref name="timeout"/> passed; returns the connections still open.
    /// </summary>
    public async Task<long> DrainAsync(TimeSpan timeout, Func<int> inFlight, CancellationToken ct = default)
    {
        var started = Environment.TickCount64;
        Volatile.Write(ref _lastRequest, started);
        _draining = true;
        var deadline = started + (long)timeout.TotalMilliseconds;
        var idle = (long)IdleAfter.TotalMilliseconds;
        while (Open > 0 && Environment.TickCount64 < deadline)
        {
            if (Environment.TickCount64 - Volatile.Read(ref _lastRequest) >= idle && inFlight() == 0)
            {
                break;
            }
            await Task.Delay(PollInterval, ct);
        }
        return Open;
    }
}
