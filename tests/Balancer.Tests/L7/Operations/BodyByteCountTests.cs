using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Control.Traffic;
using LoadBalancer.Balancer.L7.AccessLog;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.TestSupport;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.Tests.L7.Operations;

/// <summary>
/// With the access log on, one counting wrapper per body serves both the access log and the traffic numbers of
/// /api/status: both report exactly the body bytes the client sent and received through a real front.
/// </summary>
public sealed class BodyByteCountTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly int[] PostSizes = [1, 700, 20_000];
    private static readonly int[] GetSizes = [0, 5000, 70_000];

    [Fact]
    public async Task AccessLogAndTraffic_KnownBodies_BothCountTheBytesSentAndReceived()
    {
        await using var f = await BalancerFixture.StartAsync(2, (c, _, dir) =>
            c["Balancer"]!["AccessLog"] = new JsonObject { ["Enabled"] = true, ["Format"] = "json", ["Path"] = Path.Combine(dir.Path, "access.log") });
        long sent = 0, received = 0;
        foreach (var size in PostSizes)
        {
            using var post = await f.Client.PostAsync(f.Front + "/echo", new ByteArrayContent(new byte[size]));
            post.EnsureSuccessStatusCode();
            sent += size;
            received += (await post.Content.ReadAsByteArrayAsync()).Length;
        }
        foreach (var size in GetSizes)
        {
            using var get = await f.Client.GetAsync(f.Front + $"/bytes/{size}");
            get.EnsureSuccessStatusCode();
            received += (await get.Content.ReadAsByteArrayAsync()).Length;
        }
        var requests = PostSizes.Length + GetSizes.Length;
        Assert.Equal((long)PostSizes.Sum() + GetSizes.Sum(), received); // /echo answers with the request body

        var log = Path.Combine(f.Dir.Path, "access.log");
        string[] lines = [];
        await Poll.UntilAsync(() => (lines = File.Exists(log) ? File.ReadAllLines(log) : []).Length >= requests, Wait, $"{requests} access log lines");
        var entries = lines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        JsonNode? traffic = null;
        await Poll.UntilAsync(async () =>
        {
            var status = await f.Client.GetFromJsonAsync<JsonObject>(f.Host.AdminUrl + "/api/status");
            traffic = status!["pools"]!.AsArray().Single(p => (string?)p!["name"] == "web")!["traffic"];
            return (long?)traffic?["requests"] == requests;
        }, Wait, $"the pool's traffic to count {requests} requests");

        Assert.Equal(requests, entries.Length);
        Assert.Equal(sent, entries.Sum(e => e.GetProperty("bytes_in").GetInt64()));
        Assert.Equal(received, entries.Sum(e => e.GetProperty("bytes_out").GetInt64()));
        Assert.Equal(sent, (long)traffic!["bytesIn"]!);
        Assert.Equal(received, (long)traffic["bytesOut"]!);
    }

    [Fact]
    public async Task TrafficRecorder_BehindTheAccessLog_ReadsTheAccessLogsWrappersAndWrapsNothing()
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(new byte[10]);
        context.Response.Body = new MemoryStream();
        context.Features.Set<IReverseProxyFeature>(new NoDestination());
        var scope = new AccessLogScope();
        scope.Begin(context);
        var (logRequest, logResponse) = (context.Request.Body, context.Response.Body);
        var recorder = new TrafficRecorder();
        Stream? seenRequest = null, seenResponse = null;

        await recorder.RecordAsync(context, async _ =>
        {
            (seenRequest, seenResponse) = (context.Request.Body, context.Response.Body);
            var buffer = new byte[64];
            Assert.Equal(10, await context.Request.Body.ReadAsync(buffer));
            await context.Response.Body.WriteAsync(buffer.AsMemory(0, 25));
        });

        Assert.Same(logRequest, seenRequest);
        Assert.Same(logResponse, seenResponse);
        var traffic = recorder.For("", "");
        Assert.Equal((10, 25), (scope.BytesIn, scope.BytesOut));
        Assert.Equal((10, 25), (traffic.BytesIn, traffic.BytesOut));
        scope.End(context);
    }

    /// <summary>A request that reached no cluster (the recorder files it under "").</summary>
    private sealed class NoDestination : IReverseProxyFeature
    {
        public RouteModel Route => null!;
        public ClusterModel Cluster { get; set; } = null!;
        public IReadOnlyList<DestinationState> AllDestinations => [];
        public IReadOnlyList<DestinationState> AvailableDestinations { get; set; } = [];
        public DestinationState? ProxiedDestination { get; set; }
    }
}
