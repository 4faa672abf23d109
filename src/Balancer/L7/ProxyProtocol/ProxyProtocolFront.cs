using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Metrics;
using LoadBalancer.Modes.ProxyProtocol;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace LoadBalancer.Balancer.L7.ProxyProtocol;

/// <summary>Puts the PROXY protocol connection middlewares on a front listener.</summary>
internal static class ProxyProtocolFront
{
    /// <summary>Adds, first on the listener (so before TLS): the per-connection backend clients' cleanup, and the inbound header reader when the listener expects one.</summary>
    /// <param name="options">The listener, before UseHttps.</param>
    /// <param name="listener">Its validated config.</param>
    /// <param name="headerTimeout">Time a client has to send its whole PROXY header (the request-headers timeout).</param>
    /// <param name="metrics">Where rejected connections are counted.</param>
    public static void Use(ListenOptions options, ListenerConfig listener, TimeSpan headerTimeout, ProxyProtocolMetrics metrics)
    {
        options.Use(ClientConnectionBackends.DisposeAtEnd);
        // Every listener's series exist (as 0 where no header is expected), so a dashboard sees them before the first reject.
        var rejected = metrics.ForListener(listener.Url);
        ProxyProtocolSettings.TryParseListener(listener.ProxyProtocol, out var versions);
        if (versions == ProxyProtocolVersions.Off)
        {
            return;
        }
        var trusted = listener.ProxyProtocolTrusted.Select(t =>
        {
            ProxyProtocolSettings.TryParseNetwork(t, out var network);
            return network;
        }).ToArray();
        var middleware = new ProxyProtocolConnectionMiddleware(versions, trusted, headerTimeout, rejected);
        options.Use(middleware.Wrap);
    }
}
