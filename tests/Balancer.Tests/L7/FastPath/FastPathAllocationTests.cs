using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.L7.FastPath;

/// <summary>The fast path's cost in garbage: a keep-alive request through it allocates (almost) nothing.</summary>
[Collection(TestSupport.WallClockCollection.Name)]
public sealed class FastPathAllocationTests(ITestOutputHelper output)
{
    private static readonly byte[] Request = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();
    private static readonly byte[] Response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray();

    [Fact]
    public async Task KeepAliveRequests_AllocateUnder200BytesEach_YarpForComparison()
    {
        await using var backend = new FixedResponder(Response);
        var fast = await BytesPerRequestAsync(backend.Url, fastPath: true);
        var yarp = await BytesPerRequestAsync(backend.Url, fastPath: false);
        output.WriteLine($"allocated per request: fast path {fast:F0} B, YARP {yarp:F0} B");

        // The whole process is measured: client, front and backend share it. What is left (55-81 B measured) is pooled
        // async state machines that missed their pool.
        Assert.True(fast < 200, $"the fast path allocated {fast:F0} B per request (YARP: {yarp:F0} B)");
        Assert.True(yarp > 10 * Math.Max(fast, 1), $"YARP {yarp:F0} B per request against the fast path's {fast:F0} B: is the fast path on?");
    }

    private static async Task<double> BytesPerRequestAsync(string backendUrl, bool fastPath)
    {
        await using var f = await FastPathTests.StartFrontAsync(backendUrl, fastPath);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, new Uri(f.Front).Port);
        var buffer = new byte[4096];
        // Warm-up: tiered compilation, pools, the backend connection.
        await RunAsync(socket, buffer, 3000);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        const int count = 5000;
        await RunAsync(socket, buffer, count);
        return (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)count;
    }

    private static async Task RunAsync(Socket socket, byte[] buffer, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await socket.SendAsync(Request.AsMemory(), SocketFlags.None);
            var got = 0;
            int end;
            // Until the head and its 2-byte body are in (YARP's Kestrel adds a Date header, the fast path passes the backend's head).
            while ((end = buffer.AsSpan(0, got).IndexOf("\r\n\r\n"u8)) < 0 || got < end + 4 + 2)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None);
                got += n > 0 ? n : throw new IOException("the front closed the connection");
            }
            // Checked by hand: xUnit's Assert.Equal allocates (boxes and comparers), which this test would count.
            if (got != end + 6 || !buffer.AsSpan(0, got).EndsWith("ok"u8))
            {
                throw new InvalidDataException("not the backend's response: " + System.Text.Encoding.ASCII.GetString(buffer, 0, got));
            }
        }
    }

    /// <summary>A backend that answers every request head with the same bytes, allocating nothing per request.</summary>
    private sealed class FixedResponder : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly List<Socket> _accepted = [];
        private readonly byte[] _response;
        private readonly Task _accepting;

        public FixedResponder(byte[] response)
        {
            _response = response;
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen();
            _accepting = AcceptAsync();
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}/";

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var s = await _listener.AcceptAsync();
                    lock (_accepted)
                    {
                        _accepted.Add(s);
                    }
                    _ = Task.Run(() => ServeAsync(s));
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        private async Task ServeAsync(Socket s)
        {
            var buffer = new byte[8192];
            var have = 0;
            try
            {
                while (true)
                {
                    var n = await s.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None);
                    if (n == 0)
                    {
                        return;
                    }
                    have += n;
                    int end;
                    while ((end = buffer.AsSpan(0, have).IndexOf("\r\n\r\n"u8)) >= 0)
                    {
                        await s.SendAsync(_response.AsMemory(), SocketFlags.None);
                        buffer.AsSpan(end + 4, have - end - 4).CopyTo(buffer);
                        have -= end + 4;
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            lock (_accepted)
            {
                _accepted.ForEach(s => s.Dispose());
            }
            await _accepting;
        }
    }
}
