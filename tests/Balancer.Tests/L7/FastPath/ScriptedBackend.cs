using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LoadBalancer.Balancer.Tests.L7.FastPath;

/// <summary>A request as a backend received it: its connection, the raw head and the body.</summary>
public sealed record ReceivedRequest(int Connection, string Head, byte[] Body)
{
    public string RequestLine => Head[..Head.IndexOf("\r\n", StringComparison.Ordinal)];

    public string Target => RequestLine.Split(' ')[1];

    /// <summary>Headers as (lower-case name, value), sorted: the comparison ignores order and case of names.</summary>
    public IReadOnlyList<(string Name, string Value)> Headers => Head.Split("\r\n").Skip(1).Where(l => l.Length > 0)
        .Select(l => (l[..l.IndexOf(':')].ToLowerInvariant(), l[(l.IndexOf(':') + 1)..].Trim())).Order().ToList();

    public string? Header(string name) => Headers.Where(h => h.Name == name.ToLowerInvariant()).Select(h => h.Value).FirstOrDefault();
}

/// <summary>
/// An HTTP/1.1 backend on raw sockets that records every request exactly as it arrived and answers with bytes the test
/// scripts (any framing, interim responses, closing or not): what a real server may send, without a framework between.
/// </summary>
public sealed class ScriptedBackend : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Socket> _open = [];
    private readonly Task _accepting;
    private int _connections;

    public ScriptedBackend(Func<ReceivedRequest, (byte[] Response, bool Close)>? respond = null)
    {
        Respond = respond ?? (_ => (Ok("ok"), false));
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Func<ReceivedRequest, (byte[] Response, bool Close)> Respond { get; set; }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public static byte[] Ok(string body, string extraHeaders = "") =>
        Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n{extraHeaders}\r\n{body}");

    /// <summary>Closes every open connection (as a backend's keep-alive timeout does), without a word.</summary>
    public void CloseIdleConnections()
    {
        while (_open.TryTake(out var s))
        {
            s.Dispose();
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                var id = Interlocked.Increment(ref _connections);
                _open.Add(socket);
                _ = Task.Run(() => ServeAsync(socket, id));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(Socket socket, int id)
    {
        var data = new List<byte>();
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                int end;
                while ((end = IndexOf(data, "\r\n\r\n"u8.ToArray())) < 0)
                {
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }
                    data.AddRange(buffer.AsSpan(0, n));
                }
                var head = Encoding.Latin1.GetString(data.GetRange(0, end + 4).ToArray());
                data.RemoveRange(0, end + 4);
                var chunked = head.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase);
                var body = chunked ? await ReadChunkedAsync(socket, data, buffer) : await ReadLengthAsync(socket, data, buffer, head);
                if (body is null)
                {
                    return;
                }
                var request = new ReceivedRequest(id, head, body);
                Received.Enqueue(request);
                var (response, close) = Respond(request);
                await socket.SendAsync(response, SocketFlags.None, _stop.Token);
                if (close)
                {
                    socket.Shutdown(SocketShutdown.Both);
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    private async Task<bool> FillAsync(Socket socket, List<byte> data, byte[] buffer)
    {
        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
        data.AddRange(buffer.AsSpan(0, n));
        return n > 0;
    }

    private async Task<byte[]?> ReadLengthAsync(Socket socket, List<byte> data, byte[] buffer, string head)
    {
        var length = head.Split("\r\n").Where(l => l.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase))
            .Select(l => int.Parse(l[15..].Trim())).FirstOrDefault();
        while (data.Count < length)
        {
            if (!await FillAsync(socket, data, buffer))
            {
                return null;
            }
        }
        var body = data.GetRange(0, length).ToArray();
        data.RemoveRange(0, length);
        return body;
    }

    /// <summary>A chunked request body, decoded (trailers are read and dropped).</summary>
    private async Task<byte[]?> ReadChunkedAsync(Socket socket, List<byte> data, byte[] buffer)
    {
        var body = new List<byte>();
        var crlf = "\r\n"u8.ToArray();
        while (true)
        {
            int line;
            while ((line = IndexOf(data, crlf)) < 0)
            {
                if (!await FillAsync(socket, data, buffer))
                {
                    return null;
                }
            }
            var size = Convert.ToInt32(Encoding.ASCII.GetString(data.GetRange(0, line).ToArray()).Split(';')[0], 16);
            data.RemoveRange(0, line + 2);
            if (size == 0)
            {
                // Trailers, then the empty line.
                while ((line = IndexOf(data, crlf)) != 0)
                {
                    if (line > 0)
                    {
                        data.RemoveRange(0, line + 2);
                    }
                    else if (!await FillAsync(socket, data, buffer))
                    {
                        return null;
                    }
                }
                data.RemoveRange(0, 2);
                return body.ToArray();
            }
            while (data.Count < size + 2)
            {
                if (!await FillAsync(socket, data, buffer))
                {
                    return null;
                }
            }
            body.AddRange(data.GetRange(0, size));
            data.RemoveRange(0, size + 2);
        }
    }

    private static int IndexOf(List<byte> data, byte[] pattern)
    {
        for (var i = 0; i + pattern.Length <= data.Count; i++)
        {
            var match = true;
            for (var j = 0; j < pattern.Length && match; j++)
            {
                match = data[i + j] == pattern[j];
            }
            if (match)
            {
                return i;
            }
        }
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        CloseIdleConnections();
        await _accepting;
    }
}
