using System.Net;
using System.Net.Sockets;
using LoadBalancer.Modes.ProxyProtocol;

namespace LoadBalancer.Health.Probes;

/// <summary>Sends the PROXY header a backend behind a PROXY-speaking balancer expects, on a probe's own connection (its own addresses, like HAProxy's check-send-proxy).</summary>
internal static class ProxyProtocolProbeConnection
{
    /// <summary>Writes a version <paramref name="version"/> header for the connected <paramref name="socket"/>.</summary>
    public static async ValueTask SendHeaderAsync(Socket socket, int version, CancellationToken ct)
    {
        var header = new byte[ProxyHeaderWriter.MaxLength];
        var length = ProxyHeaderWriter.Write(header, version, (IPEndPoint)socket.LocalEndPoint!, (IPEndPoint)socket.RemoteEndPoint!);
        await socket.SendAsync(header.AsMemory(0, length), SocketFlags.None, ct).ConfigureAwait(false);
    }

    /// <summary>A SocketsHttpHandler connect callback that connects, then sends the header before HTTP or TLS.</summary>
    public static Func<System.Net.Http.SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(int version) => async (context, ct) =>
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, ct).ConfigureAwait(false);
            await SendHeaderAsync(socket, version, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };
}
