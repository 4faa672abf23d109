using System.Net;
using System.Net.Sockets;

namespace LoadBalancer.Health.Probes;

/// <summary>Sends the PROXY header a backend behind a PROXY-speaking balancer expects, on a probe's own connection (its own addresses, like HAProxy's check-send-proxy).</summary>
internal static class ProxyProtocolProbeConnection
{
    /// <summary>Sends a version <paramref name="version"/> header, built by <paramref name="preamble"/>, for the connected <paramref name="socket"/>.</summary>
    public static async ValueTask SendHeaderAsync(Socket socket, IProbePreamble? preamble, int version, CancellationToken ct)
    {
        if (preamble is null)
        {
            throw new InvalidOperationException("PROXY protocol v" + version + " probe: the health probes were created without a header builder");
        }

        var header = preamble.Build(version, (IPEndPoint)socket.LocalEndPoint!, (IPEndPoint)socket.RemoteEndPoint!);
        await socket.SendAsync(header, SocketFlags.None, ct).ConfigureAwait(false);
    }

    /// <summary>A SocketsHttpHandler connect callback that connects, then sends the header before HTTP or TLS.</summary>
    public static Func<System.Net.Http.SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(IProbePreamble? preamble, int version) => async (context, ct) =>
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, ct).ConfigureAwait(false);
            await SendHeaderAsync(socket, preamble, version, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };
}
