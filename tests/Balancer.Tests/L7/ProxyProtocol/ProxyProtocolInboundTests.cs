using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Modes.ProxyProtocol;
using static LoadBalancer.Balancer.Tests.L7.ProxyProtocol.ProxyProtocolKit;

namespace LoadBalancer.Balancer.Tests.L7.ProxyProtocol;

/// <summary>A listener with <c>ProxyProtocol</c>: the real balancer, a raw TCP client sending headers, demo backends echoing X-Forwarded-For.</summary>
public sealed class ProxyProtocolInboundTests
{
    private static Action<JsonObject, List<Demo.DemoBackend>, TempDir> Shape(string mode, string[] trusted, Action<JsonObject, TempDir>? more = null) => (c, _, dir) =>
    {
        var l = c["Balancer"]!["Listeners"]![0]!;
        l["ProxyProtocol"] = mode;
        l["ProxyProtocolTrusted"] = new JsonArray([.. trusted.Select(t => (JsonNode)t)]);
        more?.Invoke(c, dir);
    };

    private static byte[] Pp(int version, string source, int sourcePort = 40000, string destination = "192.0.2.1", int destinationPort = 80)
    {
        var buffer = new byte[ProxyHeaderWriter.MaxLength];
        var n = ProxyHeaderWriter.Write(buffer, version, new IPEndPoint(IPAddress.Parse(source), sourcePort), new IPEndPoint(IPAddress.Parse(destination), destinationPort));
        return buffer[..n];
    }

    [Theory]
    [InlineData("v1", 1, "203.0.113.7")]
    [InlineData("v2", 2, "203.0.113.7")]
    [InlineData("any", 1, "198.51.100.20")]
    [InlineData("any", 2, "2001:db8::7")]
    public async Task Inbound_HeaderFromTrustedSource_BackendSeesClaimedClientInXForwardedFor(string mode, int version, string client)
    {
        await using var f = await BalancerFixture.StartAsync(1, Shape(mode, ["127.0.0.0/8"]));

        var answer = await RawGetAsync(f.Front, Pp(version, client, destination: client.Contains(':') ? "2001:db8::1" : "192.0.2.1"));

        Assert.StartsWith("HTTP/1.1 200", answer);
        Assert.Equal(client, Header(answer, "X-Echo-X-Forwarded-For"));
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("\r\n\r\n\0\r\nQUIT\n\u0020\u0011\0\u000c\u00cb\0\u0071\u0007\u00c0\0\u0002\u0001\u0001\u0002\u0003\u0004")]   // v2 LOCAL
    public async Task Inbound_LocalOrUnknown_KeepsTheSocketAddress(string header)
    {
        await using var f = await BalancerFixture.StartAsync(1, Shape("any", ["127.0.0.1"]));

        var answer = await RawGetAsync(f.Front, Encoding.Latin1.GetBytes(header));

        Assert.StartsWith("HTTP/1.1 200", answer);
        Assert.Equal("127.0.0.1", Header(answer, "X-Echo-X-Forwarded-For"));
    }

    [Fact]
    public async Task Inbound_UntrustedSource_IsClosedAndCounted()
    {
        await using var f = await BalancerFixture.StartAsync(1, Shape("v1", ["10.0.0.0/8", "127.0.0.2/32"]));

        var answer = await RawGetAsync(f.Front, Pp(1, "203.0.113.7"));

        Assert.Equal("", answer);
        Assert.Equal(1, await RejectedAsync(f, "untrusted"));
        Assert.Equal(0, await RejectedAsync(f, "malformed"));
        // The trusted one is served.
        Assert.StartsWith("HTTP/1.1 200", await RawGetAsync(f.Front, Pp(1, "203.0.113.7"), localIp: "127.0.0.2"));
    }

    [Theory]
    [InlineData("v1", "GET / HTTP/1.1\r\n", "bad_signature")]
    [InlineData("v1", "PROXY TCP4 203.0.113.7 192.0.2.1 1 99999\r\n", "malformed")]
    [InlineData("v1", "PROXY TCP4 203.0.113.7 192.0.2.1 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9\r\n", "too_long")]
    [InlineData("v1", "\r\n\r\n\0\r\nQUIT\n\u0020\0\0\0", "version")]
    [InlineData("v2", "PROXY UNKNOWN\r\n", "version")]
    [InlineData("v2", "\r\n\r\n\0\r\nQUIT\n\u0023\u0011\0\u000c", "malformed")]
    public async Task Inbound_BadHeader_IsClosedAndCounted(string mode, string header, string reason)
    {
        await using var f = await BalancerFixture.StartAsync(1, Shape(mode, ["127.0.0.0/8"]));

        var answer = await RawGetAsync(f.Front, Encoding.Latin1.GetBytes(header));

        Assert.Equal("", answer);
        Assert.Equal(1, await RejectedAsync(f, reason));
        // The listener still serves good connections afterwards.
        Assert.StartsWith("HTTP/1.1 200", await RawGetAsync(f.Front, Encoding.Latin1.GetBytes(mode == "v1" ? "PROXY UNKNOWN\r\n" : "\r\n\r\n\0\r\nQUIT\n\u0020\0\0\0")));
    }

    [Fact]
    public async Task Inbound_ClientClosesInsideTheHeader_IsCounted()
    {
        await using var f = await BalancerFixture.StartAsync(1, Shape("v1", ["127.0.0.0/8"]));
        var uri = new Uri(f.Front);

        using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
        {
            await socket.ConnectAsync(IPAddress.Loopback, uri.Port);
            await socket.SendAsync("PROXY TCP4 203.0"u8.ToArray(), System.Net.Sockets.SocketFlags.None);
            socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            using var cts = new CancellationTokenSource(Limit);
            Assert.Equal("", await ReadToEndAsync(socket, cts.Token));
        }

        await LoadBalancer.TestSupport.Poll.UntilAsync(async () => await RejectedAsync(f, "closed") == 1, Limit, "closed counted");
    }

    [Fact]
    public async Task Inbound_ConsistentHash_HashesTheClaimedClient()
    {
        await using var f = await BalancerFixture.StartAsync(3, Shape("v2", ["127.0.0.0/8"]), policy: "ConsistentHash");
        var chosen = new Dictionary<string, string>();

        for (var i = 1; i <= 12; i++)
        {
            var client = $"198.51.100.{i}";
            var first = Header(await RawGetAsync(f.Front, Pp(2, client, 1000 + i), "/"), "X-Backend");
            var again = Header(await RawGetAsync(f.Front, Pp(2, client, 2000 + i), "/"), "X-Backend");
            Assert.NotNull(first);
            Assert.Equal(first, again);
            chosen[client] = first!;
        }

        // All these connections come from 127.0.0.1: hashing the socket address would put every one on one backend.
        Assert.True(chosen.Values.Distinct().Count() > 1, "12 claimed clients all went to " + string.Join(",", chosen.Values.Distinct()));
    }

    [Fact]
    public async Task Inbound_HeaderBeforeTls_IsReadAndTlsStillWorks()
    {
        await using var f = await BalancerFixture.StartAsync(1, Shape("v1", ["127.0.0.0/8"], (c, dir) =>
        {
            var (cert, key) = SelfSignedCertificate.WritePem(dir);
            c["Balancer"]!["Listeners"]![0]!["Url"] = "https://127.0.0.1:0";
            c["Balancer"]!["Listeners"]![0]!["Certificate"] = new JsonObject { ["Path"] = cert, ["KeyPath"] = key };
        }));
        var uri = new Uri(f.Front);
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, uri.Port);
        await socket.SendAsync(Pp(1, "203.0.113.9"), System.Net.Sockets.SocketFlags.None);
        using var tls = new System.Net.Security.SslStream(new System.Net.Sockets.NetworkStream(socket), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET /echo HTTP/1.1\r\nHost: {uri.Authority}\r\nConnection: close\r\n\r\n"));
        var answer = await new StreamReader(tls).ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 200", answer);
        Assert.Equal("203.0.113.9", Header(answer, "X-Echo-X-Forwarded-For"));
    }
}
