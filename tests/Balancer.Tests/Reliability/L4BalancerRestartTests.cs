using System.Diagnostics;
using System.Security.Cryptography;
using LoadBalancer.Balancer.Tests.L4;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>The balancer process dies (SIGKILL) and comes back while long downloads run; Maglev plus ReselectViaHash puts every flow back on its backend.</summary>
[Collection(NetNsCollection.Name)]
public sealed class L4BalancerRestartTests(ITestOutputHelper output)
{
    private const int Bytes = 2 << 20;
    private const int Downloads = 4;

    /// <summary>The client's largest receive buffer (<c>tcp_rmem</c> max): the most a backend can send ahead of the client's ACKs.</summary>
    private const int ClientReceiveBuffer = 32768;

    /// <summary>What the demo backend's /bytes/N serves.</summary>
    private static string DemoBytesSha(int n)
    {
        var data = new byte[n];
        for (var i = 0; i < n; i++)
        {
            data[i] = (byte)((i % 65536) * 31 + 7);
        }
        return Convert.ToHexStringLower(SHA256.HashData(data));
    }

    [SkippableTheory]
    [InlineData("dsr", "fd")]
    [InlineData("tunnel", "ft")]
    public async Task BalancerKilledAndRestarted_DuringDownloads_EveryDownloadArrivesIntact(string mode, string suffix)
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        using var lab = new L4Lab(mode, suffix: suffix);
        var config = lab.Config(shapeService: s =>
        {
            s["Selector"] = "maglev";
            s["NonSynMiss"] = "ReselectViaHash";
        });
        lab.StartBalancer(config);
        // A small client receive buffer: the backend can run only ~32 KB ahead of curl, so the flow needs the balancer (for its ACKs) until the end.
        Assert.True(L4Lab.Exec(lab.Client, "sysctl", "-q", "-w", $"net.ipv4.tcp_rmem=4096 16384 {ClientReceiveBuffer}").Ok);
        var dir = Directory.CreateTempSubdirectory("lbfrs-");
        try
        {
            // Rate-limited by the client so every download spans the restart (2 MB at 500 KB/s is about 4 s).
            var clock = Stopwatch.StartNew();
            var downloads = Enumerable.Range(0, Downloads).Select(i => Blocking.Start(() =>
            {
                // 90 s: while the balancer is down the backend backs off its retransmits (about 13, 25, 51 s after the first).
                var r = lab.Curl("-m", "90", "--limit-rate", "500k", "-D", Path.Combine(dir.FullName, $"h{i}"), "-o", Path.Combine(dir.FullName, $"d{i}"),
                    $"http://{L4Lab.Vip}:8080/bytes/{Bytes}");
                return (Result: r, Took: clock.Elapsed);
            })).ToArray();
            Poll.Until(() => Enumerable.Range(0, Downloads).All(i => File.Exists(Path.Combine(dir.FullName, $"d{i}")) && new FileInfo(Path.Combine(dir.FullName, $"d{i}")).Length > 200_000),
                TimeSpan.FromSeconds(10), "downloads under way");
            var sizesAtKill = Enumerable.Range(0, Downloads).Select(i => new FileInfo(Path.Combine(dir.FullName, $"d{i}")).Length).ToList();
            var downFor = lab.RestartBalancer();
            var sizesAtRestart = Enumerable.Range(0, Downloads).Select(i => new FileInfo(Path.Combine(dir.FullName, $"d{i}")).Length).ToList();
            var results = await Task.WhenAll(downloads);
            var scrape = LabProbe.Scrape(lab);
            var forwardedByNew = Metrics.MetricsText.Samples(scrape, "lb_l4_packets_total")
                .Where(l => l.Contains("service=\"web\"", StringComparison.Ordinal) && l.Contains("to_backend", StringComparison.Ordinal))
                .Sum(l => double.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture));

            var backends = Enumerable.Range(0, Downloads).Select(i =>
                File.ReadAllLines(Path.Combine(dir.FullName, $"h{i}")).FirstOrDefault(l => l.StartsWith("X-Backend", StringComparison.OrdinalIgnoreCase))?.Split(':')[1].Trim()).ToList();
            var expected = DemoBytesSha(Bytes);
            var intact = Enumerable.Range(0, Downloads).Select(i => File.Exists(Path.Combine(dir.FullName, $"d{i}"))
                && Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir.FullName, $"d{i}")))) == expected).ToList();
            output.WriteLine($"{mode}: balancer killed and running again after {downFor.TotalMilliseconds:F0} ms; bytes at kill {string.Join(", ", sizesAtKill)}, when the new one ran {string.Join(", ", sizesAtRestart)}; packets the new balancer forwarded to backends: {forwardedByNew}");
            for (var i = 0; i < Downloads; i++)
            {
                output.WriteLine($"download {i}: backend {backends[i]}, exit {results[i].Result.ExitCode}, took {results[i].Took.TotalSeconds:F1} s, intact {intact[i]} {results[i].Result.StdErr.Trim()}");
            }
            output.WriteLine($"new balancer log:\n{lab.ReadBalancerLog()}");

            Assert.All(results, r => Assert.True(r.Result.Ok, $"curl exit {r.Result.ExitCode}: {r.Result.StdErr}"));
            Assert.All(intact, Assert.True);
            // The flows crossed the restart: at the kill each had more left than the backend can send without ACKs, so
            // only a balancer could carry the rest. Not the sizes when the new one logged "running": curl's rate limit is
            // an average, so a download stalled by the restart catches up in a burst, and on a loaded machine it can
            // finish through the new balancer before the start returns.
            Assert.All(sizesAtKill, s => Assert.InRange(s, 1, Bytes - ClientReceiveBuffer - 1));
            Assert.True(forwardedByNew > 0, "the new balancer carried none of the flows");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
