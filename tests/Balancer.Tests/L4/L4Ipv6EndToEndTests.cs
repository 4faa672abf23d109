using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.Reliability;
using LoadBalancer.Balancer.Tools;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>
/// Each forwarding mode end to end over IPv6, in the product's IPv6-only lab (`lab up --family 6`'s topology) with a
/// real `balancer run`: HTTP, 1 MB down and 2 MB up by SHA-256, UDP echo, and reloads while traffic flows.
/// </summary>
[Collection(NetNsCollection.Name)]
public sealed class L4Ipv6EndToEndTests(ITestOutputHelper output)
{
    private const string Prefix = "lbv6g";
    private const string NeedsRoot = "needs root: creates network namespaces and runs the L4 engine on raw sockets";

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

    [SkippableTheory]
    [InlineData("nat")]
    [InlineData("fullnat")]
    [InlineData("tunnel")]
    [InlineData("dsr")]
    public void Ipv6Mode_HttpUdpDownloadUpload_AllThroughTheIpv6Vip(string mode)
    {
        Skip.IfNot(NetworkNamespace.IsRoot, NeedsRoot);
        using var lab = new L4Lab(mode, suffix: mode[..2], prefix: Prefix, family: LabFamily.Ipv6);
        lab.StartBalancer(lab.Config());

        // 60 HTTP requests through the IPv6 VIP, each a new connection: all succeed, both backends get a share.
        var counts = Requests(lab, 60);
        output.WriteLine($"{mode}: {string.Join(", ", counts.Select(kv => $"{kv.Key}={kv.Value}"))}");
        Assert.Equal(60, counts.Values.Sum());
        Assert.False(counts.ContainsKey("FAIL"), lab.ReadBalancerLog());
        Assert.True(counts.GetValueOrDefault("b1") > 0 && counts.GetValueOrDefault("b2") > 0, "both backends must get a share");

        var dir = Directory.CreateTempSubdirectory("lbv6g-");
        try
        {
            // 1 MB download intact.
            var down = Path.Combine(dir.FullName, "down.bin");
            var r = lab.Curl("-o", down, lab.VipUrl("/bytes/1048576"));
            Assert.True(r.Ok, r.StdErr);
            Assert.Equal(Sha256(DemoBytes(1 << 20)), Sha256(File.ReadAllBytes(down)));

            // 2 MB upload echoed back intact (full-size segments: in tunnel mode this needs the 40 bytes of MSS room).
            var up = Path.Combine(dir.FullName, "up.bin");
            var payload = RandomNumberGenerator.GetBytes(2 << 20);
            File.WriteAllBytes(up, payload);
            var echoed = Path.Combine(dir.FullName, "echo.bin");
            r = lab.Curl("--data-binary", "@" + up, "-H", "Content-Type: application/octet-stream", "-o", echoed, lab.VipUrl("/echo"));
            Assert.True(r.Ok, r.StdErr);
            Assert.Equal(Sha256(payload), Sha256(File.ReadAllBytes(echoed)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        // UDP request/response through the IPv6 VIP from 20 source ports: every reply from the VIP, both backends answer.
        var replies = Udp(lab, 20);
        output.WriteLine($"udp: {string.Join(", ", replies.GroupBy(x => x[..2]).Select(g => $"{g.Key}={g.Count()}"))}");
        Assert.All(replies.Select((reply, i) => (reply, i)), x => Assert.Matches($"^b[12]:ping{x.i}$", x.reply));
        Assert.Equal(2, replies.Select(x => x[..2]).Distinct().Count());

        var scrape = LabProbe.Scrape(lab);
        Assert.Equal(0, LabProbe.SendFailures(scrape));
    }

    /// <summary>
    /// A backend is removed while its slow download runs: new TCP and UDP flows all go to the other backend, the
    /// download finishes intact from the removed one; then a file with an IPv6 address typo is refused, named in the
    /// log, and the running config stays. Applied by SIGHUP (the file watcher cannot see the change) or by the file
    /// change alone (no signal).
    /// </summary>
    [SkippableTheory]
    [InlineData("nat", "sighup")]
    [InlineData("fullnat", "file")]
    [InlineData("tunnel", "sighup")]
    [InlineData("dsr", "file")]
    public void Ipv6Reload_RemovedBackend_NewFlowsMove_OpenFlowStays_BadFileKeepsRunningConfig(string mode, string trigger)
    {
        Skip.IfNot(NetworkNamespace.IsRoot, NeedsRoot);
        using var lab = new L4Lab(mode, suffix: "r" + mode[0], prefix: Prefix, family: LabFamily.Ipv6);
        var bySignal = trigger == "sighup";
        if (bySignal)
        {
            lab.StartBalancerOnLink(lab.Config());
        }
        else
        {
            lab.StartBalancer(lab.Config());
        }

        void Apply(JsonObject config, string result)
        {
            var before = LabProbe.Value(LabProbe.Scrape(lab), $"lb_config_reloads_total{{result=\"{result}\"}}");
            if (bySignal)
            {
                lab.RewriteLinkTarget(config);
                Assert.True(ProcessRunner.Run("kill", ["-HUP", lab.BalancerPid.ToString()]).Ok, "SIGHUP");
            }
            else
            {
                lab.RewriteConfig(config);
            }
            Poll.Until(() => LabProbe.Value(LabProbe.Scrape(lab), $"lb_config_reloads_total{{result=\"{result}\"}}") > before, TimeSpan.FromSeconds(20), $"reload {result}");
        }

        var dir = Directory.CreateTempSubdirectory("lbv6g-");
        try
        {
            // Traffic flowing: a slow 2 MB download (rate-limited by the client, about 5 s); find its backend.
            var file = Path.Combine(dir.FullName, "slow.bin");
            var headers = Path.Combine(dir.FullName, "headers.txt");
            var download = Blocking.Start(() => lab.Curl("-m", "90", "--limit-rate", "400k", "-D", headers, "-o", file, lab.VipUrl("/bytes/2097152")));
            Poll.Until(() => File.Exists(headers) && File.ReadAllText(headers).Contains("X-Backend", StringComparison.OrdinalIgnoreCase), TimeSpan.FromSeconds(20), "download headers");
            var serving = File.ReadAllLines(headers).Single(l => l.StartsWith("X-Backend", StringComparison.OrdinalIgnoreCase)).Split(':')[1].Trim();
            var other = serving == "b1" ? "b2" : "b1";

            Apply(lab.Config([other]), "ok");
            var after = Requests(lab, 30);
            var udpAfter = Udp(lab, 10);
            var result = download.Wait(TimeSpan.FromSeconds(90)) ? download.Result : default;
            output.WriteLine($"{mode} by {trigger}: download from {serving}; after reload: {string.Join(",", after.Select(kv => $"{kv.Key}={kv.Value}"))}; udp {string.Join(",", udpAfter.Select(x => x[..2]).Distinct())}");
            Assert.Equal(new Dictionary<string, int> { [other] = 30 }, after);
            Assert.All(udpAfter, x => Assert.StartsWith(other + ":", x, StringComparison.Ordinal));
            Assert.True(result.Ok, "download failed: " + result.StdErr);
            Assert.Equal(Sha256(DemoBytes(2 << 20)), Sha256(File.ReadAllBytes(file)));

            // A bad file: both backends again, but one IPv6 address mistyped. Refused, named in the log; the running
            // config (one backend) stays, so new flows still all go to the remaining backend.
            var typo = lab.Topology.Layout.Backends.Single(b => b.Name == serving).Address6 + "g";
            var bad = lab.Config();
            bad["L4"]!["Services"]!["echo6"]!["Backends"]![serving]!["Address"] = typo;
            Apply(bad, "failed");
            // The failed reload is counted before it is logged, and the log reaches the file through two threads.
            var rejected = $"L4:Services:echo6:Backends:{serving}:Address: '{typo}'";
            Poll.TryUntil(() => lab.ReadBalancerLog().Contains(rejected, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
            var log = lab.ReadBalancerLog();
            output.WriteLine(string.Join("\n", log.Split('\n').Where(l => l.Contains(typo, StringComparison.Ordinal) || l.Contains("rejected", StringComparison.Ordinal))));
            Assert.Contains("rejected", log, StringComparison.Ordinal);
            Assert.Contains(rejected, log, StringComparison.Ordinal);
            var kept = Requests(lab, 20);
            output.WriteLine($"after the bad file: {string.Join(",", kept.Select(kv => $"{kv.Key}={kv.Value}"))}");
            Assert.Equal(new Dictionary<string, int> { [other] = 20 }, kept);
            Assert.Equal(0, LabProbe.SendFailures(LabProbe.Scrape(lab)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>N HTTP requests through the IPv6 VIP from the client, each a new connection: answers counted by backend ("FAIL" for a failed one).</summary>
    private static Dictionary<string, int> Requests(L4Lab lab, int n) =>
        L4Lab.Exec(lab.Client, "sh", "-c", $"for i in $(seq {n}); do curl -s -m 5 {lab.VipUrl()} || echo FAIL; done")
            .StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>N UDP datagrams to the IPv6 VIP's :5353, each from its own socket (source port); the replies, each checked to come from the VIP.</summary>
    private static List<string> Udp(L4Lab lab, int n) => NetworkNamespace.RunIn(lab.Client, () =>
    {
        var vip = IPAddress.Parse(lab.VipAddress);
        var got = new List<string>();
        for (var i = 0; i < n; i++)
        {
            using var udp = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 3000 };
            udp.SendTo(Encoding.ASCII.GetBytes($"ping{i}"), new IPEndPoint(vip, 5353));
            var buffer = new byte[256];
            EndPoint from = new IPEndPoint(IPAddress.IPv6Any, 0);
            var count = udp.ReceiveFrom(buffer, ref from);
            Assert.Equal(vip, ((IPEndPoint)from).Address);
            got.Add(Encoding.ASCII.GetString(buffer, 0, count));
        }
        return got;
    });
}
