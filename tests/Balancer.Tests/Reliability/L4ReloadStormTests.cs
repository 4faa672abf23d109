using System.Diagnostics;
using System.Security.Cryptography;
using LoadBalancer.Balancer.Tests.L4;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>The config is reloaded every 100 ms under load (weights flipping between 1 and 2, same backends); nothing breaks.</summary>
[Collection(NetNsCollection.Name)]
public sealed class L4ReloadStormTests(ITestOutputHelper output)
{
    private const int Bytes = 1 << 20;
    private const int SigHup = 1;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [SkippableFact]
    public async Task ReloadEvery100Ms_UnderLoad_NoFailedRequestsAndDownloadsIntact()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        using var lab = new L4Lab("nat", suffix: "fr");
        lab.StartBalancer(lab.Config());
        var pid = lab.BalancerPid;
        var reloadsBefore = LabProbe.Value(LabProbe.Scrape(lab), "lb_config_reloads_total{result=\"ok\"}");
        var dir = Directory.CreateTempSubdirectory("lbfrl-");
        try
        {
            var clock = Stopwatch.StartNew();
            var duration = TimeSpan.FromSeconds(5);
            // Long flows across every reload: 1 MB at 220 KB/s takes about 4.7 s.
            var downloads = Enumerable.Range(0, 2).Select(i => Blocking.Start(() =>
                lab.Curl("-m", "30", "--limit-rate", "220k", "-o", Path.Combine(dir.FullName, $"d{i}"), $"http://{L4Lab.Vip}:8080/bytes/{Bytes}"))).ToArray();
            var load = new LoadRecorder();
            // 8 s per request: a SYN lost on two busy cores is sent again after 1, 3 and 7 s; a reload must not lose one for good.
            var running = load.RunAsync(lab.Client, $"http://{L4Lab.Vip}:8080/", clock, duration, TimeSpan.FromMilliseconds(10), workers: 2, timeout: TimeSpan.FromSeconds(8));

            // Rewrite + SIGHUP: the file watcher alone debounces 250 ms and would apply only the last of these writes.
            var writes = 0;
            var signalled = 0;
            while (clock.Elapsed < duration)
            {
                var heavy = writes % 2 == 0 ? "b1" : "b2";
                lab.RewriteConfig(lab.Config(shapeService: s =>
                {
                    foreach (var (name, b) in s["Backends"]!.AsObject())
                    {
                        b!["Weight"] = name == heavy ? 2 : 1;
                    }
                }));
                writes++;
                if (Kill(pid, SigHup) == 0)
                {
                    signalled++;
                }
                // A fixed cadence: sleep to the next 100 ms mark.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, (writes * 100) - clock.Elapsed.TotalMilliseconds)));
            }
            await running;
            var results = await Task.WhenAll(downloads);
            // Reloads queue behind one lock: read the counter once it stops rising (at most 10 s), not at a fixed 500 ms.
            var scrape = LabProbe.Scrape(lab);
            for (var settle = Stopwatch.StartNew(); settle.Elapsed < TimeSpan.FromSeconds(10);)
            {
                await Task.Delay(500);
                var next = LabProbe.Scrape(lab);
                var same = LabProbe.Value(next, "lb_config_reloads_total{result=\"ok\"}") == LabProbe.Value(scrape, "lb_config_reloads_total{result=\"ok\"}");
                scrape = next;
                if (same)
                {
                    break;
                }
            }
            var reloads = LabProbe.Value(scrape, "lb_config_reloads_total{result=\"ok\"}") - reloadsBefore;
            var rejected = LabProbe.Value(scrape, "lb_config_reloads_total{result=\"failed\"}");

            var attempts = load.Attempts;
            var failed = attempts.Where(a => !a.Ok).ToList();
            var expected = Convert.ToHexStringLower(SHA256.HashData(Enumerable.Range(0, Bytes).Select(i => (byte)((i % 65536) * 31 + 7)).ToArray()));
            var intact = Enumerable.Range(0, 2).Count(i => File.Exists(Path.Combine(dir.FullName, $"d{i}"))
                && Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir.FullName, $"d{i}")))) == expected);
            output.WriteLine($"config writes {writes}, SIGHUPs {signalled}, reloads applied {reloads}, rejected {rejected}");
            output.WriteLine($"new-connection requests {attempts.Count}: {LoadRecorder.Summary(attempts)}; failed {failed.Count} {string.Join("; ", failed.Select(f => f.Error).Distinct().Take(3))}");
            output.WriteLine($"downloads: {string.Join(", ", results.Select(r => r.ExitCode))} (exit codes), intact {intact}/2");
            output.WriteLine($"balancer still running: {lab.BalancerPid == pid}");

            Assert.True(reloads >= writes / 2, $"only {reloads} of {writes} reloads applied");
            Assert.Equal(0, rejected);
            Assert.True(attempts.Count > 100, "too little load");
            Assert.Empty(failed);
            Assert.All(results, r => Assert.True(r.Ok, r.StdErr));
            Assert.Equal(2, intact);
            Assert.Equal(pid, lab.BalancerPid);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
