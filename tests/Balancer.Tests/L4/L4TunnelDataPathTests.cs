using System.Diagnostics;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>The data-path probe of tunnel services: the engine wraps the probe's handshake like client traffic, so a backend that cannot decapsulate or does not own the VIP is down.</summary>
[Collection(NetNsCollection.Name)]
public sealed class L4TunnelDataPathTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [SkippableFact]
    public void DataPathProbe_TunnelBackendDecapStoppedOrVipMissing_IsDown_ThenUpWhenFixed()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        Skip.If(BackendSetupPlan.KernelHasIpip, "this kernel has the ipip module, so the lab decapsulates with tunl0 and there is no `balancer decap` to stop");
        using var lab = new L4Lab("tunnel", prefix: "lbtp", suffix: "dp");
        var b2 = lab.Topology.Layout.Backends[1].Namespace;
        var config = lab.Config();
        config["Health"] = new JsonObject
        {
            ["Pools"] = new JsonObject
            {
                ["web"] = new JsonObject
                {
                    ["Check"] = new JsonObject
                    {
                        ["Probe"] = "datapath", ["Interval"] = "300ms", ["FastInterval"] = "100ms", ["Timeout"] = "300ms", ["Rise"] = 2, ["Fall"] = 2, ["Jitter"] = 0,
                    },
                },
            },
        };
        lab.StartBalancer(config);
        Poll.Until(() => Health(lab, "b1") == "Healthy" && Health(lab, "b2") == "Healthy", Deadline, "both tunnel backends healthy by the data-path probe");

        // Stop b2's decapsulator (the lab started it): its real address still answers TCP, tunnelled packets vanish.
        var decap = lab.Topology.Status().Processes.Single(p => p.Process.CommandWord == "decap" && p.Process.Namespace == b2).Process;
        ProcessRunner.Run("kill", ["-TERM", decap.Pid.ToString()]);
        // The lab's processes are children of this test process (started detached, not reaped by anyone else): an exited
        // one stays a zombie that `kill -0` still finds until it is reaped here.
        Poll.Until(() => ProcessRunner.Reap(decap.Pid) || !ProcessRunner.Run("kill", ["-0", decap.Pid.ToString()]).Ok, Deadline, "b2's decap stopped");
        var down = Stopwatch.StartNew();
        Poll.Until(() => Health(lab, "b2") == "Unhealthy", Deadline, "b2 unhealthy without its decapsulator");
        output.WriteLine($"b2 unhealthy {down.ElapsedMilliseconds} ms after its decap stopped");
        Assert.Equal("Healthy", Health(lab, "b1"));
        var whileDown = Spread(lab, 20);
        var (intoTap, _, tapDropped) = TapCounters(lab);

        Process? restarted = null;
        try
        {
            restarted = ProcessRunner.StartLogged("ip", ["netns", "exec", b2, "dotnet", BalancerProcess.DllPath, "decap", "--stats-interval", "0"],
                Path.Combine(Path.GetTempPath(), $"lbtp{Environment.ProcessId}-decap.log"));
            var up = Stopwatch.StartNew();
            Poll.Until(() => Health(lab, "b2") == "Healthy", Deadline, "b2 healthy when its decap runs again");
            output.WriteLine($"b2 healthy {up.ElapsedMilliseconds} ms after its decap started again");
            var healed = Spread(lab, 30);

            L4Lab.Exec(b2, "ip", "addr", "del", $"{L4Lab.Vip}/32", "dev", "lo");
            Poll.Until(() => Health(lab, "b2") == "Unhealthy", Deadline, "b2 unhealthy without the VIP");
            L4Lab.Exec(b2, "ip", "addr", "add", $"{L4Lab.Vip}/32", "dev", "lo");
            Poll.Until(() => Health(lab, "b2") == "Healthy", Deadline, "b2 healthy with the VIP back");

            output.WriteLine($"while down: {string.Join(",", whileDown)}; healed: {string.Join(",", healed)}; packets the kernel sent into lbprobe0 {intoTap}, dropped there {tapDropped}");
            Assert.True(intoTap > 0, "the probe's packets should have gone through lbprobe0");
            Assert.Equal(20, whileDown.GetValueOrDefault("b1"));
            Assert.True(healed.GetValueOrDefault("b1") > 0 && healed.GetValueOrDefault("b2") > 0, string.Join(",", healed));
            Assert.False(healed.ContainsKey("FAIL"));
        }
        finally
        {
            if (restarted is { HasExited: false })
            {
                ProcessRunner.Run("kill", ["-TERM", restarted.Id.ToString()]);
                restarted.WaitForExit(5000);
            }
            restarted?.Dispose();
        }
    }

    private static string Health(L4Lab lab, string backend)
    {
        var status = JsonNode.Parse(lab.Admin("GET", "/api/status"))!;
        var pool = status["pools"]!.AsArray().Single(p => (string?)p!["name"] == "web")!;
        return (string)pool["backends"]!.AsArray().Single(b => (string?)b!["id"] == backend)!["health"]!;
    }

    // Each request may take 5 s where all must succeed (a lost SYN alone costs 1 s on a busy machine); 1 s where failures are expected.
    private static Dictionary<string, int> Spread(L4Lab lab, int n, int seconds = 5) =>
        L4Lab.Exec(lab.Client, "sh", "-c", $"for i in $(seq {n}); do curl -s -m {seconds} http://{L4Lab.Vip}:8080/ || echo FAIL; done")
            .StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>The probe device's counters in the balancer's namespace (the kernel's own view of lbprobe0).</summary>
    private static (long Tx, long Rx, long Dropped) TapCounters(L4Lab lab)
    {
        var stats = L4Lab.Exec(lab.Topology.Layout.Balancer.Namespace, "cat", "/sys/class/net/lbprobe0/statistics/tx_packets", "/sys/class/net/lbprobe0/statistics/rx_packets", "/sys/class/net/lbprobe0/statistics/tx_dropped")
            .StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
        return (stats[0], stats[1], stats[2]);
    }
}
