using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Balancer.Tests.L4.Interop;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.Reliability;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>Overload: a bounded spoofed-SYN flood through NAT while established downloads run; the downloads continue intact (tracked flows keep priority over new SYNs).</summary>
[Collection(NetNsCollection.Name)]
public sealed class L4OverloadTests(ITestOutputHelper output)
{
    private const int Syns = 100_000;
    private const int Downloads = 4;
    private const int Bytes = 16 << 20;

    private static byte[] DemoBytes(int n)
    {
        var data = new byte[n];
        for (var i = 0; i < n; i++)
        {
            data[i] = (byte)((i % 65536) * 31 + 7);
        }
        return data;
    }

    [SkippableFact]
    public async Task SpoofedSynFlood_EstablishedNatDownloadsContinueIntact()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        using var lab = new L4Lab("nat", suffix: "ov", prefix: "lbio");
        lab.StartBalancer(lab.Config());
        var balancerMac = RawFrames.Mac(lab.Topology.Layout.Balancer.Mac);
        var clientMac = RawFrames.Mac(lab.Topology.Layout.Client.Mac);
        var vip = IPAddress.Parse(L4Lab.Vip);
        var dir = Directory.CreateTempSubdirectory("lbio-ov-");
        try
        {
            // Downloads paced by the backend (2 MB/s for 16 MB, a steady stream) so they span the flood.
            var files = Enumerable.Range(0, Downloads).Select(i => Path.Combine(dir.FullName, $"d{i}.bin")).ToArray();
            var downloads = files.Select(f => Blocking.Start(() => lab.Curl("-m", "60", "-o", f, $"http://{L4Lab.Vip}:8080/bytes/{Bytes}?rate=2000000"))).ToArray();
            Poll.Until(() => files.All(f => File.Exists(f) && new FileInfo(f).Length > 0), TimeSpan.FromSeconds(20), "downloads started");
            var before = LabProbe.Scrape(lab);

            var random = new Random(11);
            var frames = Enumerable.Range(0, 4096).Select(_ => RawFrames.TcpSyn(balancerMac, clientMac,
                new IPAddress([10, 200, 1, (byte)random.Next(10, 251)]), (ushort)random.Next(1024, 65536), vip, 8080, (uint)random.Next())).ToArray();
            using var port = NetworkNamespace.RunIn(lab.Client, () => PcapPort.Open(new PcapPortOptions("eth0", "tcp port 9"), new CapturingFrameHandler()));
            var sizesAtStart = files.Select(f => new FileInfo(f).Length).ToArray();
            // Each download lasts about 8 s at 2 MB/s: one already finished would say nothing about the flood.
            Assert.All(sizesAtStart, size => Assert.True(size < Bytes, "a download finished before the flood started"));
            var clock = Stopwatch.StartNew();
            var sent = 0;
            await Blocking.Start(() =>
            {
                for (var i = 0; i < Syns && clock.Elapsed < TimeSpan.FromSeconds(10); i++)
                {
                    var frame = frames[i % frames.Length];
                    RawFrames.PatchSourcePort(frame, (ushort)(1024 + (i % 64000)));
                    if (port.Send(frame))
                    {
                        sent++;
                    }
                }
            });
            var floodTime = clock.Elapsed;
            var sizesAtEnd = files.Select(f => new FileInfo(f).Length).ToArray();
            var after = LabProbe.Scrape(lab);
            var results = await Task.WhenAll(downloads);

            double Delta(string series) => LabProbe.Value(after, series) - LabProbe.Value(before, series);
            output.WriteLine($"flood: {sent} spoofed SYNs in {floodTime.TotalSeconds:F2} s ({sent / floodTime.TotalSeconds:F0}/s); "
                + $"SynShed +{Delta("lb_l4_drops_total{reason=\"SynShed\"}")}, new flows +{Delta("lb_l4_new_flows_total")}, "
                + $"pcap dropped +{Delta("lb_pcap_dropped_total{interface=\"eth0\"}")}, evictions +{Delta("lb_conntrack_evictions_total")}, "
                + $"NoFlow +{Delta("lb_l4_drops_total{reason=\"NoFlow\"}")}, TableFull +{Delta("lb_l4_drops_total{reason=\"TableFull\"}")}, tx drops +{Delta("lb_l4_send_failures_total{interface=\"eth0\"}")}");
            output.WriteLine($"download bytes during the flood: {string.Join(", ", sizesAtEnd.Zip(sizesAtStart, (e, s) => e - s))} (at its start: {string.Join(", ", sizesAtStart)})");

            // The point is a flood the engine cannot keep up with: on a loaded machine the generator is slower, so the
            // precondition is that the engine shed work (kernel queue drops, shed SYNs or evictions), not a fixed rate.
            var shed = Delta("lb_pcap_dropped_total{interface=\"eth0\"}") + Delta("lb_l4_drops_total{reason=\"SynShed\"}") + Delta("lb_conntrack_evictions_total");
            Assert.True(sent >= Syns / 4, $"generator sent only {sent}");
            Assert.True(shed > 0, $"the flood ({sent} SYNs) never overloaded the engine: nothing shed, dropped or evicted");
            Assert.All(results, r => Assert.True(r.Ok, r.StdErr));
            var expected = Convert.ToHexStringLower(SHA256.HashData(DemoBytes(Bytes)));
            Assert.All(files, f => Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))));
            // The downloads kept moving while the flood ran (not only after it).
            Assert.All(sizesAtEnd.Zip(sizesAtStart), x => Assert.True(x.First > x.Second, "a download stalled during the flood"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
