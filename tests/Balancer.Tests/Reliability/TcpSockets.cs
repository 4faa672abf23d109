using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>Plain TCP connections from a lab namespace: open many idle ones, and use one for an HTTP request later.</summary>
internal static class TcpSockets
{
    /// <summary>Connects a new socket made in <paramref name="ns"/>; returns null when it did not connect within <paramref name="timeout"/>.</summary>
    public static async Task<Socket?> ConnectAsync(string ns, IPEndPoint target, TimeSpan timeout)
    {
        var socket = NsHttp.NewTcpSocket(ns);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(target, cts.Token);
            return socket;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    /// <summary>Sends one HTTP/1.1 GET on an open connection and returns the backend named in the answer, or null on failure or timeout.</summary>
    public static async Task<string?> GetOnAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: vip\r\n\r\n"), SocketFlags.None, cts.Token);
            var buffer = new byte[4096];
            var text = "";
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    return null;
                }
                text += Encoding.ASCII.GetString(buffer, 0, n);
                var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (headerEnd < 0)
                {
                    continue;
                }
                var lengthLine = text[..headerEnd].Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                if (lengthLine is null)
                {
                    return null;
                }
                var body = text[(headerEnd + 4)..];
                if (body.Length >= int.Parse(lengthLine.Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture))
                {
                    return text.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) ? body.Trim() : null;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            return null;
        }
    }

    /// <summary>Closes with an RST (linger 0), so no FIN handshake or TIME_WAIT outlives the test step.</summary>
    public static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }
        socket.Dispose();
    }
}
