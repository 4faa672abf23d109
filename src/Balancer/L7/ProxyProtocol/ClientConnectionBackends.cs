using System.Net.Http;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace LoadBalancer.Balancer.L7.ProxyProtocol;

/// <summary>
/// The backend clients that belong to one client connection (clusters that send PROXY headers): kept in the
/// connection's items and disposed, with their backend connections, when the client connection ends.
/// </summary>
internal sealed class ClientConnectionBackends : IDisposable
{
    private static readonly object ItemKey = new();
    private readonly Dictionary<object, HttpMessageInvoker> _clients = [];
    private bool _disposed;

    /// <summary>Connection middleware for every front listener: disposes the connection's backend clients once it has ended.</summary>
    public static ConnectionDelegate DisposeAtEnd(ConnectionDelegate next) => async connection =>
    {
        try
        {
            await next(connection);
        }
        finally
        {
            if (connection.Items.TryGetValue(ItemKey, out var value) && value is ClientConnectionBackends backends)
            {
                backends.Dispose();
            }
        }
    };

    /// <summary>The client of <paramref name="owner"/> (one per cluster client) for the connection of <paramref name="context"/>, created on first use.</summary>
    public static HttpMessageInvoker GetOrAdd(HttpContext context, object owner, Func<HttpContext, HttpMessageInvoker> create)
    {
        var items = context.Features.Get<IConnectionItemsFeature>()?.Items
            ?? throw new InvalidOperationException("the client connection has no items: PROXY protocol clusters need Kestrel");
        ClientConnectionBackends backends;
        lock (items)
        {
            if (!items.TryGetValue(ItemKey, out var value) || value is not ClientConnectionBackends existing)
            {
                existing = new ClientConnectionBackends();
                items[ItemKey] = existing;
            }
            backends = existing;
        }
        lock (backends._clients)
        {
            ObjectDisposedException.ThrowIf(backends._disposed, backends);
            if (!backends._clients.TryGetValue(owner, out var client))
            {
                client = create(context);
                backends._clients[owner] = client;
            }
            return client;
        }
    }

    public void Dispose()
    {
        lock (_clients)
        {
            _disposed = true;
            foreach (var client in _clients.Values)
            {
                client.Dispose();
            }
            _clients.Clear();
        }
    }
}
