using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using LoadBalancer.Modes.ProxyProtocol;
using Microsoft.AspNetCore.Http;

namespace LoadBalancer.Balancer.L7.ProxyProtocol;

/// <summary>
/// The forwarder's handler for a cluster that sends PROXY headers. A backend connection carries one client's address
/// in its header, so it must never serve another client: each client connection gets its own SocketsHttpHandler (its
/// own pool), whose connect callback writes that client's header, and which is disposed when the client connection
/// ends. A pool keyed by client endpoint would also be correct, but would need its own idle eviction; tying the pool
/// to the client connection's lifetime gets that from Kestrel.
/// </summary>
internal sealed class ProxyProtocolForwarderHandler(int version, Func<SocketsHttpHandler> newHandler, IHttpContextAccessor accessor) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var context = accessor.HttpContext ?? throw new InvalidOperationException("a PROXY protocol cluster was called outside a client request");
        var client = ClientConnectionBackends.GetOrAdd(context, this, CreateClient);
        return client.SendAsync(request, cancellationToken);
    }

    private HttpMessageInvoker CreateClient(HttpContext context)
    {
        var connection = context.Connection;
        var source = new IPEndPoint(connection.RemoteIpAddress ?? IPAddress.None, connection.RemotePort);
        var destination = new IPEndPoint(connection.LocalIpAddress ?? IPAddress.None, connection.LocalPort);
        var handler = newHandler();
        handler.ConnectCallback = (c, ct) => ConnectAsync(c.DnsEndPoint, version, source, destination, ct);
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    /// <summary>Connects like SocketsHttpHandler does by default, then sends the PROXY header before anything else (TLS included).</summary>
    internal static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, int version, IPEndPoint source, IPEndPoint destination, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, ct);
            var header = new byte[ProxyHeaderWriter.MaxLength];
            var length = ProxyHeaderWriter.Write(header, version, source, destination);
            await socket.SendAsync(header.AsMemory(0, length), SocketFlags.None, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
