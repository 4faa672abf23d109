using System.Net;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Metrics;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace LoadBalancer.Balancer.L7.ClientAddress;

/// <summary>Puts the client-address option reader on the front listeners that ask for it, and names their listen endpoints so their sockets save SYNs.</summary>
internal static class TcpOptionClientAddressFront
{
    /// <summary>The endpoints of listeners with <c>ClientAddressFrom: tcp-option</c> (their listen sockets get TCP_SAVE_SYN).</summary>
    public static IReadOnlyCollection<IPEndPoint> SaveSynEndpoints(IEnumerable<ListenerConfig> listeners) =>
    [
        .. listeners
            .Where(l => ClientAddressSettings.TryParse(l.ClientAddressFrom, out var s) && s == ClientAddressSource.TcpOption)
            .Select(l => ListenerUrl.TryParse(l.Url, out var url, out _) ? new IPEndPoint(url.Address, url.Port) : null)
            .OfType<IPEndPoint>(),
    ];

    /// <summary>Adds the reader first on the listener (before PROXY, TLS and HTTP) when the listener takes the address from the TCP option.</summary>
    public static void Use(ListenOptions options, ListenerConfig listener, ClientAddressOptionMetrics metrics)
    {
        // Every listener's series exist (as 0 where the option is not read), like the PROXY protocol counters.
        var results = metrics.ForListener(listener.Url);
        if (!ClientAddressSettings.TryParse(listener.ClientAddressFrom, out var source) || source != ClientAddressSource.TcpOption)
        {
            return;
        }
        var trusted = listener.ClientAddressTrusted.Select(t =>
        {
            ProxyProtocolSettings.TryParseNetwork(t, out var network);
            return network;
        }).ToArray();
        options.Use(new TcpOptionClientAddressMiddleware(trusted, results).Wrap);
    }
}
