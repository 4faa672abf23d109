using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.TestSupport;
using static LoadBalancer.Balancer.Tests.L7.ProxyProtocol.ProxyProtocolKit;

namespace LoadBalancer.Balancer.Tests.L7.ProxyProtocol;

/// <summary>A PROXY header that never completes is cut off after the request-headers timeout.</summary>
[Collection(WallClockCollection.Name)]
public sealed class ProxyProtocolTimeoutTests
{
    [Fact]
    public async Task Inbound_IncompleteHeader_IsClosedAfterTheHeadersTimeoutAndCounted()
    {
        await using var f = await BalancerFixture.StartAsync(1, (c, _, _) =>
        {
            c["Balancer"]!["Listeners"]![0]!["ProxyProtocol"] = "any";
            c["Balancer"]!["Listeners"]![0]!["ProxyProtocolTrusted"] = new JsonArray("127.0.0.0/8");
            c["Balancer"]!["Limits"] = new JsonObject { ["RequestHeadersTimeout"] = "1s" };
        });
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // Started before the connect: the front's timer starts at its accept, which can come before ConnectAsync returns here.
        var clock = Stopwatch.StartNew();
        await socket.ConnectAsync(IPAddress.Loopback, new Uri(f.Front).Port);

        await socket.SendAsync("PROXY TCP4 203.0.113.7 "u8.ToArray(), SocketFlags.None);
        using var cts = new CancellationTokenSource(Limit);
        var answer = await ReadToEndAsync(socket, cts.Token);
        var elapsed = clock.Elapsed;

        Assert.Equal("", answer);
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromMilliseconds(1000 + WallClockCollection.SlackMs));
        await Poll.UntilAsync(async () => await RejectedAsync(f, "timeout") == 1, Limit, "timeout counted");
    }
}
