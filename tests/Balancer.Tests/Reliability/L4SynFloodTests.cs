using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Balancer.Tests.L4;
using LoadBalancer.Balancer.Tests.L4.Interop;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>A bounded SYN flood from spoofed lab-subnet sources; the table stays within capacity, memory bounded, real clients served.</summary>
[Collection(NetNsCollection.Name)]
public sealed class L4SynFloodTests(ITestOutputHelper output)
{
    private const int Capacity = 4096;
    private const int Syns = 100_000;
    private const long RssSlackKib = 64 * 1024;

    [SkippableFact]
    public async Task SpoofedSynFlood_TableBoundedMemoryBounded_RealClientsServedDuringAndAfter()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        using var lab = new L4Lab("dsr", suffix: "fs");
        var config = lab.Config();
        config["L4"]!["ConnectionTable"] = new JsonObject { ["Capacity"] = Capacity, ["SynTimeout"] = "2s", ["ClosingTimeout"] = "1s" };
        lab.StartBalancer(config);
        var pid = lab.BalancerPid;
        var rssStart = LabProbe.RssKib(pid);
        var balancerMac = RawFrames.Mac(lab.Topology.Layout.Balancer.Mac);
        var clientMac = RawFrames.Mac(lab.Topology.Layout.Client.Mac);
        var vip = IPAddress.Parse(L4Lab.Vip);

        var clock = Stopwatch.StartNew();
        var load = new LoadRecorder();
        // The real client runs until 3 s after the flood (however long the flood takes, at most its 10 s), so there is
        // always an "after"; 8 s per request lets a SYN lost on two busy cores be sent again three times (1, 3, 7 s).
        using var stopLegit = new CancellationTokenSource();
        var legit = load.RunAsync(lab.Client, $"http://{L4Lab.Vip}:8080/", clock, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50), timeout: TimeSpan.FromSeconds(8), stop: stopLegit.Token);
        await Task.Delay(1000);

        // The generator: a pcap handle in the client namespace sends ready-made frames back to back; sources only in 10.200.1.10-250.
        var random = new Random(8);
        var frames = Enumerable.Range(0, 4096).Select(_ => RawFrames.TcpSyn(balancerMac, clientMac,
            new IPAddress([10, 200, 1, (byte)random.Next(10, 251)]), (ushort)random.Next(1024, 65536), vip, 8080, (uint)random.Next())).ToArray();
        using var port = NetworkNamespace.RunIn(lab.Client, () => PcapPort.Open(new PcapPortOptions("eth0", "tcp port 9"), new CapturingFrameHandler()));
        var floodStart = clock.Elapsed;
        var sent = 0;
        long peakEntries = 0;
        long rssPeak = rssStart;
        var flood = Blocking.Start(() =>
        {
            var bound = Stopwatch.StartNew();
            for (var i = 0; i < Syns && bound.Elapsed < TimeSpan.FromSeconds(10); i++)
            {
                var frame = frames[i % frames.Length];
                // A new source port per SYN, so almost every SYN is a new flow (checksum fixed up for the change).
                var newPort = (ushort)(1024 + (i % 64000));
                RawFrames.PatchSourcePort(frame, newPort);
                if (port.Send(frame))
                {
                    sent++;
                }
            }
        });
        while (!flood.IsCompleted)
        {
            var scrape = LabProbe.Scrape(lab);
            peakEntries = Math.Max(peakEntries, (long)LabProbe.Value(scrape, "lb_conntrack_entries"));
            rssPeak = Math.Max(rssPeak, LabProbe.RssKib(pid));
            await Task.Delay(100);
        }
        await flood;
        var floodEnd = clock.Elapsed;
        stopLegit.CancelAfter(TimeSpan.FromSeconds(3));
        var duringScrape = LabProbe.Scrape(lab);
        peakEntries = Math.Max(peakEntries, (long)LabProbe.Value(duringScrape, "lb_conntrack_entries"));

        // After SynTimeout the half-open flows expire (the real client's closed flows leave after ClosingTimeout 1 s, so they do not pile up either).
        var settled = Stopwatch.StartNew();
        double entriesAfter;
        do
        {
            await Task.Delay(250);
            entriesAfter = LabProbe.Value(LabProbe.Scrape(lab), "lb_conntrack_entries");
            rssPeak = Math.Max(rssPeak, LabProbe.RssKib(pid));
        }
        while (entriesAfter > 50 && settled.Elapsed < TimeSpan.FromSeconds(8));
        await legit;
        var end = LabProbe.Scrape(lab);

        var attempts = load.Attempts;
        var during = attempts.Where(a => a.End >= floodStart && a.At <= floodEnd).ToList();
        var after = attempts.Where(a => a.At > floodEnd).ToList();
        var seconds = (floodEnd - floodStart).TotalSeconds;
        output.WriteLine($"flood: {sent} SYNs in {seconds:F2} s ({sent / seconds:F0}/s); balancer pcap received {LabProbe.Value(end, "lb_pcap_received_total{interface=\"eth0\"}")}, "
            + $"pcap dropped {LabProbe.Value(end, "lb_pcap_dropped_total{interface=\"eth0\"}")}, new flows {LabProbe.Value(end, "lb_l4_new_flows_total")}, "
            + $"evictions {LabProbe.Value(end, "lb_conntrack_evictions_total")}, TableFull drops {LabProbe.Drops(end, "TableFull")}");
        output.WriteLine($"table: capacity {Capacity}, peak entries seen {peakEntries}, {entriesAfter} entries {settled.Elapsed.TotalSeconds:F1} s after the flood (SynTimeout 2 s, ClosingTimeout 1 s)");
        output.WriteLine($"RSS: start {rssStart} KiB, peak {rssPeak} KiB");
        output.WriteLine($"real client: during the flood {LoadRecorder.Summary(during)}, after {LoadRecorder.Summary(after)}; slowest during {during.Select(a => (a.End - a.At).TotalMilliseconds).DefaultIfEmpty().Max():F0} ms");

        Assert.True(sent >= Syns / 2, $"generator sent only {sent}");
        Assert.InRange(peakEntries, 0, Capacity);
        Assert.InRange(entriesAfter, 0, 50);
        Assert.InRange(rssPeak, 1, rssStart + RssSlackKib);
        Assert.NotEmpty(during);
        Assert.All(during, a => Assert.True(a.Ok, a.Error));
        Assert.True(after.Count >= 10, "too few requests after the flood");
        Assert.All(after, a => Assert.True(a.Ok, a.Error));
    }
}
