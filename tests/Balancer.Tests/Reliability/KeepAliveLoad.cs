using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>
/// HTTP/1.1 keep-alive clients over plain sockets: no client-side retry of any kind (HttpClient quietly resends a request
/// whose pooled connection was closed, which would hide exactly the failures a restart test looks for). A connection is
/// reopened after a response that says <c>Connection: close</c>; anything else that goes wrong is a failure.
/// </summary>
internal sealed class KeepAliveLoad(IPEndPoint target, string path, TimeSpan pause)
{
    private long _ok;
    private long _failed;
    private long _connections;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _errors = new();

    public long Ok => Interlocked.Read(ref _ok);
    public long Failed => Interlocked.Read(ref _failed);
    public long Connections => Interlocked.Read(ref _connections);
    public IEnumerable<string> Errors => _errors;

    /// <summary>Runs <paramref name="clients"/> connections until <paramref name="stop"/> is cancelled (each stops after a whole response).</summary>
    public Task RunAsync(int clients, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(() => ClientAsync(stop))));

    private async Task ClientAsync(CancellationToken stop)
    {
        var request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: restart.test\r\n\r\n");
        var buffer = new byte[64 * 1024];
        while (!stop.IsCancellationRequested)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(target);
                Interlocked.Increment(ref _connections);
                while (!stop.IsCancellationRequested)
                {
                    await socket.SendAsync(request);
                    var (status, close) = await ReadResponseAsync(socket, buffer);
                    if (status != 200)
                    {
                        Fail($"status {status}");
                    }
                    else
                    {
                        Interlocked.Increment(ref _ok);
                    }
                    if (close)
                    {
                        break;
                    }
                    await Task.Delay(pause, CancellationToken.None);
                }
            }
            catch (Exception e) when (e is SocketException or IOException or InvalidDataException)
            {
                Fail(e.GetType().Name + ": " + e.Message);
            }
        }
    }

    private void Fail(string why)
    {
        Interlocked.Increment(ref _failed);
        if (_errors.Count < 20)
        {
            _errors.Enqueue(why);
        }
    }

    /// <summary>Reads one response with a Content-Length body; returns its status and whether the server closes the connection.</summary>
    private static async Task<(int Status, bool Close)> ReadResponseAsync(Socket socket, byte[] buffer)
    {
        var filled = 0;
        int headEnd;
        while ((headEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            filled += await ReceiveSomeAsync(socket, buffer, filled);
        }
        var head = Encoding.ASCII.GetString(buffer, 0, headEnd);
        var lines = head.Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        long? length = null;
        var close = false;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                length = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase) && value.Contains("close", StringComparison.OrdinalIgnoreCase))
            {
                close = true;
            }
        }
        if (length is null)
        {
            throw new InvalidDataException($"response without Content-Length: {lines[0]}");
        }
        var body = filled - (headEnd + 4);
        while (body < length)
        {
            body += await ReceiveSomeAsync(socket, buffer, 0);
        }
        if (body != length)
        {
            throw new InvalidDataException($"{body - length} byte(s) after a {length}-byte body: the client sent one request at a time");
        }
        return (status, close);
    }

    private static async Task<int> ReceiveSomeAsync(Socket socket, byte[] buffer, int offset)
    {
        if (offset == buffer.Length)
        {
            throw new InvalidDataException("response head larger than the buffer");
        }
        var n = await socket.ReceiveAsync(buffer.AsMemory(offset)).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        return n == 0 ? throw new IOException("connection closed by the server before a whole response") : n;
    }
}
