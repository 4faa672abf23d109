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
    private long _open;
    private volatile bool _draining;

    /// <summary>Client connections open now (all listeners).</summary>
    public long Open => Interlocked.Read(ref _open);

    /// <summary>True once <see cref="DrainAsync"/> has begun.</summary>
    public bool Draining => _draining;

    /// <summary>Connection middleware for a listener: counts the connection while it is open.</summary>
    public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
    {
        Interlocked.Increment(ref _open);
        try
        {
            await next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    };

    /// <summary>Request middleware: while draining, the response closes its HTTP/1.x connection.</summary>
    public Task CloseWhenDrainingAsync(HttpContext context, RequestDelegate next)
    {
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

    /// <summary>Starts draining and waits until no connection is open or <paramref name="timeout"/> passed; returns the connections still open.</summary>
    public async Task<long> DrainAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        _draining = true;
        var deadline = DateTime.UtcNow + timeout;
        while (Open > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(PollInterval, ct);
        }
        return Open;
    }
}
