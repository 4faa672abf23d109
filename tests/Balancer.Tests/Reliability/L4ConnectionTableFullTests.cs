using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.L4;
using LoadBalancer.Balancer.Tests.NetNs;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>More long-lived flows than the connection table holds; new flows follow WhenFull, memory stays bounded, tracked flows keep working.</summary>
[Collection(NetNsCollection.Name)]
public sealed class L4ConnectionTableFullTests(ITestOutputHelper output)
{
    private const int Capacity = 64;
    private const int Flows = 100;
    private const long RssSlackKib = 64 * 1024;
    private static readonly IPEndPoint Vip = new(IPAddress.Parse(L4Lab.Vip), 8080);

    private static JsonObject Config(L4Lab lab, string whenFull)
    {
        var config = lab.Config();
        config["L4"]!["ConnectionTable"] = new JsonObject { ["Capacity"] = Capacity, ["WhenFull"] = whenFull };
        return config;
    }

    [SkippableFact]
    public async Task TableFull_RefuseNewThenEvictOldestIdle_NewFlowsFollowPolicy_TrackedFlowsWork_RssBounded()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        using var lab = new L4Lab("nat", suffix: "fc");

        // RefuseNew: the first Capacity flows get in, the rest are refused (their SYNs dropped and counted).
        lab.StartBalancer(Config(lab, "RefuseNew"));
        var rssStart = LabProbe.RssKib(lab.BalancerPid);
        var open = new List<Socket>();
        for (var i = 0; i < Capacity; i++)
        {
            open.Add(await TcpSockets.ConnectAsync(lab.Client, Vip, TimeSpan.FromSeconds(2)) ?? throw new InvalidOperationException($"flow {i} of the first {Capacity} did not connect"));
        }
        var late = await Task.WhenAll(Enumerable.Range(0, Flows - Capacity).Select(_ => TcpSockets.ConnectAsync(lab.Client, Vip, TimeSpan.FromMilliseconds(1500))));
        var refused = late.Count(s => s is null);
        var firstAnswer = await TcpSockets.GetOnAsync(open[0], TimeSpan.FromSeconds(3));
        var lastAnswer = await TcpSockets.GetOnAsync(open[^1], TimeSpan.FromSeconds(3));
        var scrape = LabProbe.Scrape(lab);
        var tableFullDrops = LabProbe.Drops(scrape, "TableFull");
        var refusals = LabProbe.Value(scrape, "lb_conntrack_refusals_total");
        var entries = LabProbe.Value(scrape, "lb_conntrack_entries");
        var rssRefuse = LabProbe.RssKib(lab.BalancerPid);
        output.WriteLine($"RefuseNew, capacity {Capacity}: {Flows} flows tried, {Capacity} first connected, later {Flows - Capacity}: {refused} refused; "
            + $"drops TableFull {tableFullDrops}, refusals {refusals}, entries {entries}; flow 0 answered by {firstAnswer ?? "(nothing)"}, flow {Capacity - 1} by {lastAnswer ?? "(nothing)"}; "
            + $"RSS {rssStart} -> {rssRefuse} KiB");
        foreach (var s in open.Concat(late.OfType<Socket>()))
        {
            TcpSockets.Abort(s);
        }
        open.Clear();

        Assert.Equal(Flows - Capacity, refused);
        Assert.True(tableFullDrops >= refused, $"TableFull drops {tableFullDrops} < refused flows {refused}");
        Assert.True(refusals >= refused, $"refusals {refusals} < refused flows {refused}");
        Assert.InRange(entries, 1, Capacity);
        Assert.NotNull(firstAnswer);
        Assert.NotNull(lastAnswer);
        Assert.InRange(rssRefuse, 1, rssStart + RssSlackKib);

        // EvictOldestIdle (fresh table): every flow connects; the oldest idle ones are evicted, and even an evicted flow
        // still works (its next segment is re-selected by Maglev to the same backend).
        lab.RestartBalancer(Config(lab, "EvictOldestIdle"));
        rssStart = LabProbe.RssKib(lab.BalancerPid);
        long rssPeak = rssStart;
        for (var i = 0; i < Flows; i++)
        {
            open.Add(await TcpSockets.ConnectAsync(lab.Client, Vip, TimeSpan.FromSeconds(2)) ?? throw new InvalidOperationException($"flow {i} did not connect with EvictOldestIdle"));
            rssPeak = Math.Max(rssPeak, LabProbe.RssKib(lab.BalancerPid));
        }
        scrape = LabProbe.Scrape(lab);
        var evictions = LabProbe.Value(scrape, "lb_conntrack_evictions_total");
        entries = LabProbe.Value(scrape, "lb_conntrack_entries");
        var dropsFull = LabProbe.Drops(scrape, "TableFull");
        var newestAnswer = await TcpSockets.GetOnAsync(open[^1], TimeSpan.FromSeconds(3));
        var evictedAnswer = await TcpSockets.GetOnAsync(open[0], TimeSpan.FromSeconds(3));
        rssPeak = Math.Max(rssPeak, LabProbe.RssKib(lab.BalancerPid));
        output.WriteLine($"EvictOldestIdle: {open.Count} flows connected; evictions {evictions}, entries {entries}, TableFull drops {dropsFull}; "
            + $"newest flow answered by {newestAnswer ?? "(nothing)"}, oldest (evicted) by {evictedAnswer ?? "(nothing)"}; RSS {rssStart} KiB, peak {rssPeak} KiB");
        foreach (var s in open)
        {
            TcpSockets.Abort(s);
        }

        Assert.True(evictions >= Flows - Capacity, $"evictions {evictions} < {Flows - Capacity}");
        Assert.InRange(entries, 1, Capacity);
        Assert.Equal(0, dropsFull);
        Assert.NotNull(newestAnswer);
        Assert.NotNull(evictedAnswer);
        Assert.InRange(rssPeak, 1, rssStart + RssSlackKib);
    }
}
