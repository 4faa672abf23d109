using System.Net.Sockets;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>Each forwarding mode end to end with real kernels: client, balancer and two backends in network namespaces, real TCP and UDP through the VIP.</summary>
[Collection(NetNsCollection.Name)]
public sealed class L4EndToEndTests(ITestOutputHelper output)
{
    private static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>What the demo backend's /bytes/N serves.</summary>
    private static byte[] DemoBytes(int n)
    {
        var data = new byte[n];
        for (var i = 0; i < n; i++)
        {
            data[i] = (byte)((i % 65536) * 31 + 7);
        }
        return data;
    }

    /// <summary>
    /// Every mode with every transmit kind; the worker count (2 or 1) alternates so that each mode and each transmit kind
    /// also runs with both (all pairs of the three settings, 12 runs instead of the 24 of every combination: the suite's
    /// netns tests run one at a time, and CI must stay under 20 minutes).
    /// </summary>
    [SkippableTheory]
    [InlineData("nat", "ring", 2)]
    [InlineData("nat", "sendmmsg", 1)]
    [InlineData("nat", "pcap", 2)]
    [InlineData("fullnat", "ring", 1)]
    [InlineData("fullnat", "sendmmsg", 2)]
    [InlineData("fullnat", "pcap", 1)]
    [InlineData("tunnel", "ring", 2)]
    [InlineData("tunnel", "sendmmsg", 1)]
    [InlineData("tunnel", "pcap", 2)]
    [InlineData("dsr", "ring", 1)]
    [InlineData("dsr", "sendmmsg", 2)]
    [InlineData("dsr", "pcap", 1)]
    public void Mode_HttpUdpDownloadUpload_AllThroughTheVip(string mode, string transmit, int workers)
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        using var lab = new L4Lab(mode, suffix: $"{mode[0]}{transmit[0]}{workers}", prefix: "lbio");
        var config = lab.Config();
        config["L4"]!["Workers"] = workers;
        config["L4"]!["Io"] = new System.Text.Json.Nodes.JsonObject { ["Transmit"] = transmit };
        lab.StartBalancer(config);
        // The engine's line goes through the logger's queue; "balancer running" is written straight to the console.
        var engineLine = $"{workers} worker(s) + {workers} for new-flow SYNs, transmit {transmit}";
        Poll.TryUntil(() => lab.ReadBalancerLog().Contains(engineLine, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Contains(engineLine, lab.ReadBalancerLog());

        // 100 HTTP requests through the VIP, each a new connection: all succeed, both backends get a share. 100 curl
        // processes one after another took over 60 s at load 30 (61 answers when the loop was cut): 5 minutes here.
        var loop = L4Lab.Exec(lab.Client, TimeSpan.FromMinutes(5), "sh", "-c",
            $"for i in $(seq 100); do curl -s -m 5 http://{L4Lab.Vip}:8080/ || echo FAIL; done");
        var answers = loop.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var counts = answers.GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"{mode} {transmit} x{workers}: {string.Join(", ", counts.Select(kv => $"{kv.Key}={kv.Value}"))}");
        Assert.Equal(100, answers.Length);
        Assert.False(counts.ContainsKey("FAIL"), lab.ReadBalancerLog());
        Assert.True(counts.GetValueOrDefault("b1") > 0 && counts.GetValueOrDefault("b2") > 0, "both backends must get a share");

        // 1 MB download intact.
        var dir = Directory.CreateTempSubdirectory("lbe2e-");
        try
        {
            var down = Path.Combine(dir.FullName, "down.bin");
            var r = lab.Curl("-o", down, $"http://{L4Lab.Vip}:8080/bytes/1048576");
            Assert.True(r.Ok, r.StdErr);
            Assert.Equal(Sha256(DemoBytes(1 << 20)), Sha256(File.ReadAllBytes(down)));

            // 2 MB upload echoed back intact (full-size segments: in tunnel mode this needs MSS clamping).
            var up = Path.Combine(dir.FullName, "up.bin");
            var payload = RandomNumberGenerator.GetBytes(2 << 20);
            File.WriteAllBytes(up, payload);
            var echoed = Path.Combine(dir.FullName, "echo.bin");
            r = lab.Curl("--data-binary", "@" + up, "-H", "Content-Type: application/octet-stream", "-o", echoed, $"http://{L4Lab.Vip}:8080/echo");
            Assert.True(r.Ok, r.StdErr);
            Assert.Equal(Sha256(payload), Sha256(File.ReadAllBytes(echoed)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        // UDP request/response through the VIP, from 20 source ports.
        var replies = NetworkNamespace.RunIn(lab.Client, () =>
        {
            var got = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 2000 };
                udp.SendTo(Encoding.ASCII.GetBytes($"ping{i}"), new IPEndPoint(IPAddress.Parse(L4Lab.Vip), 5353));
                var buffer = new byte[256];
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                var n = udp.ReceiveFrom(buffer, ref from);
                Assert.Equal(L4Lab.Vip, ((IPEndPoint)from).Address.ToString());
                got.Add(Encoding.ASCII.GetString(buffer, 0, n));
            }
            return got;
        });
        Assert.Equal(20, replies.Count);
        Assert.All(replies.Select((reply, i) => (reply, i)), x => Assert.Matches($"^b[12]:ping{x.i}$", x.reply));
        Assert.Equal(2, replies.Select(x => x[..2]).Distinct().Count());

        // Every worker took a share of the frames (PACKET_FANOUT spreads flows), and nothing failed to send.
        var scrape = LoadBalancer.Balancer.Tests.Reliability.LabProbe.Scrape(lab);
        var perWorker = Enumerable.Range(0, workers).Select(w => LoadBalancer.Balancer.Tests.Reliability.LabProbe.Value(scrape, $"lb_l4_worker_packets_total{{worker=\"{w}\"}}")).ToList();
        output.WriteLine($"frames per worker: {string.Join(", ", perWorker)}; frames sent {LoadBalancer.Balancer.Tests.Reliability.LabProbe.Value(scrape, "lb_l4_frames_sent_total{interface=\"eth0\"}")} in {LoadBalancer.Balancer.Tests.Reliability.LabProbe.Value(scrape, "lb_l4_tx_flushes_total")} flushes");
        Assert.All(perWorker, p => Assert.True(p > 0, "a worker got no frames: " + string.Join(", ", perWorker)));
        Assert.Equal(0, LoadBalancer.Balancer.Tests.Reliability.LabProbe.SendFailures(scrape));
    }

    [SkippableFact]
    public void Reload_RemovedBackend_GetsNoNewFlows_WhileItsDownloadCompletes()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        using var lab = new L4Lab("nat", suffix: "rl");
        lab.StartBalancer(lab.Config());
        var dir = Directory.CreateTempSubdirectory("lbe2e-");
        try
        {
            // A slow 2 MB download (rate-limited by the client), then find which backend serves it.
            var file = Path.Combine(dir.FullName, "slow.bin");
            var headers = Path.Combine(dir.FullName, "headers.txt");
            var download = Blocking.Start(() => lab.Curl("-m", "60", "--limit-rate", "400k", "-D", headers, "-o", file, $"http://{L4Lab.Vip}:8080/bytes/2097152"));
            Poll.Until(() => File.Exists(headers) && File.ReadAllText(headers).Contains("X-Backend", StringComparison.OrdinalIgnoreCase), TimeSpan.FromSeconds(10), "download headers");
            var serving = File.ReadAllLines(headers).Single(l => l.StartsWith("X-Backend", StringComparison.OrdinalIgnoreCase)).Split(':')[1].Trim();
            var other = serving == "b1" ? "b2" : "b1";

            lab.RewriteConfig(lab.Config([other]));
            Poll.Until(() => lab.ReadBalancerLog().Contains("applied"), TimeSpan.FromSeconds(10), "reload applied");
            var after = L4Lab.Exec(lab.Client, "sh", "-c", $"for i in $(seq 30); do curl -s -m 5 http://{L4Lab.Vip}:8080/ || echo FAIL; done")
                .StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var result = download.Wait(TimeSpan.FromSeconds(60)) ? download.Result : default;

            output.WriteLine($"download served by {serving}; after reload: {string.Join(",", after.GroupBy(a => a).Select(g => $"{g.Key}={g.Count()}"))}");
            Assert.Equal(30, after.Length);
            Assert.All(after, a => Assert.Equal(other, a));
            Assert.True(result.Ok, "download failed: " + result.StdErr);
            Assert.Equal(Sha256(DemoBytes(2 << 20)), Sha256(File.ReadAllBytes(file)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
