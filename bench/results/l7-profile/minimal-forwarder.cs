// A minimal HTTP/1.1 keep-alive forwarder on .NET sockets, for the L7 profile in bench/RESULTS.md: how much of the
// front's cost per request is .NET's socket engine alone, without Kestrel, YARP and SocketsHttpHandler.
// Not a product: GET requests without a body, responses with Content-Length only, one backend connection per client
// connection (round robin at connect), X-Forwarded-For added. Usage, as measured (inline completions as in the front):
//   DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 dotnet run -c Release minimal-forwarder.cs -- [LISTEN [BACKEND...]]
using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;

var listen = IPEndPoint.Parse(args.Length > 0 ? args[0] : "127.0.0.1:18080");
var backends = (args.Length > 1 ? args[1..] : ["127.0.0.1:18081", "127.0.0.1:18082"]).Select(IPEndPoint.Parse).ToArray();
using var listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
listener.Bind(listen);
listener.Listen(4096);
Console.WriteLine($"minimal forwarder on {listen} -> {string.Join(", ", backends.Select(b => b.ToString()))}");
var next = 0;
while (true)
{
    var client = await listener.AcceptAsync();
    var backend = backends[(uint)Interlocked.Increment(ref next) % backends.Length];
    _ = Task.Run(() => Serve(client, backend));
}

static async Task Serve(Socket client, IPEndPoint backendEndPoint)
{
    client.NoDelay = true;
    using var backend = new Socket(backendEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    var inBuf = ArrayPool<byte>.Shared.Rent(16384);
    var outBuf = ArrayPool<byte>.Shared.Rent(65536);
    var xff = Encoding.ASCII.GetBytes("X-Forwarded-For: " + ((IPEndPoint)client.RemoteEndPoint!).Address + "\r\n\r\n");
    try
    {
        await backend.ConnectAsync(backendEndPoint);
        var have = 0;
        while (true)
        {
            // Read one request head.
            int end;
            while ((end = HeadEnd(inBuf.AsSpan(0, have))) < 0)
            {
                var n = await client.ReceiveAsync(inBuf.AsMemory(have), SocketFlags.None);
                if (n == 0) return;
                have += n;
            }
            // Forward it with X-Forwarded-For before the blank line (head without its final CRLF, then the header and CRLF).
            var leftover = have - end;
            var leftoverCopy = leftover > 0 ? inBuf.AsSpan(end, leftover).ToArray() : null;
            var head = end - 2;
            xff.CopyTo(inBuf.AsSpan(head));
            var requestLength = head + xff.Length;
            await SendAll(backend, inBuf.AsMemory(0, requestLength));
            have = 0;
            if (leftoverCopy is not null) { leftoverCopy.CopyTo(inBuf, 0); have = leftoverCopy.Length; }
            // Read the response head and its Content-Length body, then send it to the client.
            var got = 0;
            int respEnd;
            while ((respEnd = HeadEnd(outBuf.AsSpan(0, got))) < 0)
            {
                var n = await backend.ReceiveAsync(outBuf.AsMemory(got), SocketFlags.None);
                if (n == 0) return;
                got += n;
            }
            var total = respEnd + ContentLength(outBuf.AsSpan(0, respEnd));
            while (got < total)
            {
                var n = await backend.ReceiveAsync(outBuf.AsMemory(got, total - got), SocketFlags.None);
                if (n == 0) return;
                got += n;
            }
            await SendAll(client, outBuf.AsMemory(0, total));
        }
    }
    catch (SocketException) { }
    finally
    {
        client.Dispose();
        ArrayPool<byte>.Shared.Return(inBuf);
        ArrayPool<byte>.Shared.Return(outBuf);
    }
}

static int HeadEnd(ReadOnlySpan<byte> data)
{
    var i = data.IndexOf("\r\n\r\n"u8);
    return i < 0 ? -1 : i + 4;
}

static int ContentLength(ReadOnlySpan<byte> head)
{
    var i = head.IndexOf("\r\nContent-Length:"u8);
    if (i < 0) i = head.IndexOf("\r\ncontent-length:"u8);
    if (i < 0) return 0;
    var rest = head[(i + 17)..];
    var value = 0;
    foreach (var b in rest)
    {
        if (b == ' ') continue;
        if (b < '0' || b > '9') break;
        value = value * 10 + (b - '0');
    }
    return value;
}

static async ValueTask SendAll(Socket socket, ReadOnlyMemory<byte> data)
{
    while (!data.IsEmpty)
    {
        var n = await socket.SendAsync(data, SocketFlags.None);
        data = data[n..];
    }
}
