using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Modes.ProxyProtocol;
using LoadBalancer.TestSupport;
using static LoadBalancer.Balancer.Tests.L7.ProxyProtocol.ProxyProtocolKit;

namespace LoadBalancer.Balancer.Tests.L7.ProxyProtocol;

/// <summary>A cluster that sends PROXY headers: backend connections follow client connections (reused by one, never shared, closed with it).</summary>
public sealed class ProxyProtocolBackendPoolTests
{
    /// <summary>A keep-alive HTTP/1.1 backend that expects a PROXY header on each connection and records, per connection, the client it named and whether it was closed.</summary>
    private sealed class RecordingBackend : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();

        public RecordingBackend()
        {
            _listener.Start();
            _ = AcceptLoopAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        /// <summary>Per accepted connection: the PROXY source, requests served, closed by the balancer.</summary>
        public ConcurrentDictionary<int, (string Source, int Requests, bool Closed)> Connections { get; } = new();

        private async Task AcceptLoopAsync()
        {
            var id = 0;
            while (!_stop.IsCancellationRequested)
            {
                Socket s;
                try
                {
                    s = await _listener.AcceptSocketAsync(_stop.Token);
                }
                catch (Exception)
                {
                    return;
                }
                _ = ServeAsync(s, id++);
            }
        }

        private async Task ServeAsync(Socket s, int id)
        {
            using var socket = s;
            var pending = new List<byte>();
            var buffer = new byte[4096];
            string? source = null;
            var requests = 0;
            try
            {
                while (true)
                {
                    var n = await s.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    if (n == 0)
                    {
                        break;
                    }
                    pending.AddRange(buffer.AsSpan(0, n));
                    if (source is null)
                    {
                        if (ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(pending.ToArray()), ProxyProtocolVersions.Any, out var h, out _) != ProxyParseStatus.Complete)
                        {
                            continue;
                        }
                        source = h.Source?.Address.ToString() ?? "local";
                        pending.RemoveRange(0, h.Length);
                        Connections[id] = (source, 0, false);
                    }
                    var text = Encoding.ASCII.GetString(pending.ToArray());
                    int end;
                    while ((end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                    {
                        text = text[(end + 4)..];
                        requests++;
                        Connections[id] = (source, requests, false);
                        var body = Encoding.ASCII.GetBytes(source);
                        await s.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{source}"), SocketFlags.None, _stop.Token);
                    }
                    pending = [.. Encoding.ASCII.GetBytes(text)];
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
            }
            if (source is not null)
            {
                Connections[id] = (source, requests, true);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }

    [Fact]
    public async Task Outbound_BackendConnection_IsReusedByItsClientOnly_AndClosedWithIt()
    {
        using var backend = new RecordingBackend();
        await using var f = await BalancerFixture.StartAsync(0, (c, _, _) =>
        {
            var cluster = ConfigJson.Cluster(c);
            cluster["Destinations"] = new JsonObject { ["b"] = new JsonObject { ["Address"] = $"http://127.0.0.1:{backend.Port}" } };
            cluster["Metadata"] = new JsonObject { ["ProxyProtocol"] = "v1" };
        });
        var a = ClientFrom("127.0.0.3");
        using var b = ClientFrom("127.0.0.4");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("127.0.0.3", await a.GetStringAsync(f.Front + "/"));
            Assert.Equal("127.0.0.4", await b.GetStringAsync(f.Front + "/"));
        }

        // One backend connection per client connection, each used for that client's three requests.
        Assert.Equal(2, backend.Connections.Count);
        Assert.Contains(backend.Connections.Values, c => c is { Source: "127.0.0.3", Requests: 3, Closed: false });
        Assert.Contains(backend.Connections.Values, c => c is { Source: "127.0.0.4", Requests: 3, Closed: false });

        a.Dispose();

        await Poll.UntilAsync(() => backend.Connections.Values.Any(c => c is { Source: "127.0.0.3", Closed: true }), Limit, "backend connection of the closed client closed");
        Assert.Contains(backend.Connections.Values, c => c is { Source: "127.0.0.4", Closed: false });
        Assert.Equal("127.0.0.4", await b.GetStringAsync(f.Front + "/"));
        Assert.Equal(2, backend.Connections.Count);
    }
}
