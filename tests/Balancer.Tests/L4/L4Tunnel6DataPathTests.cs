using System.Diagnostics;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>The data-path probe of IPv6 tunnel services in the IPv6 lab with the config the lab writes: the engine wraps the probe's handshake in IPv6-in-IPv6 like client traffic, so a backend whose decapsulator stops is down, and up again when it runs.</summary>
[Collection(NetNsCollection.Name)]
public sealed class L4Tunnel6DataPathTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public void DataPathProbe_Ipv6TunnelBackendDecapStopped_IsDown_ThenUpWhenItRunsAgain()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        Skip.If(BackendSetupPlan.KernelHasIpip, "this kernel has tunnel modules, so the lab has no `balancer decap` to stop");
        using var dir = new TempDir();
        var lab = new LabTopology(new LabOptions($"lbv6i{Environment.ProcessId % 100000}d", 2, LabMode.Tunnel)
        {
            StateDirectory = dir.Path,
            SelfCommand = ["dotnet", BalancerProcess.DllPath],
            Family = LabFamily.Ipv6,
        });
        var started = new List<Process>();
        try
        {
            lab.Up();
            var written = JsonNode.Parse(File.ReadAllText(lab.BalancerConfigFile))!;
            Assert.Equal("datapath", (string?)written["Health"]!["Pools"]![LabBalancerConfig.Service6]!["Check"]!["Probe"]);
            var lb = lab.Layout.Balancer.Namespace;
            var b2 = lab.Layout.Backends[1].Namespace;
            var log = Path.Combine(dir.Path, "balancer-run.log");
            var balancer = ProcessRunner.StartLogged("ip", ["netns", "exec", lb, "dotnet", BalancerProcess.DllPath, "run", "--config", lab.BalancerConfigFile], log);
            started.Add(balancer);
            Poll.Until(() => Health(lb, "b1") == "Healthy" && Health(lb, "b2") == "Healthy", Deadline, "both IPv6 tunnel backends healthy by the data-path probe");

            var decap = lab.Status().Processes.Single(p => p.Process.CommandWord == "decap" && p.Process.Namespace == b2).Process;
            ProcessRunner.Run("kill", ["-TERM", decap.Pid.ToString()]);
            Poll.Until(() => ProcessRunner.Reap(decap.Pid) || !ProcessRunner.Run("kill", ["-0", decap.Pid.ToString()]).Ok, Deadline, "b2's decap stopped");
            var down = Stopwatch.StartNew();
            Poll.Until(() => Health(lb, "b2") == "Unhealthy", Deadline, "b2 unhealthy without its decapsulator");
            output.WriteLine($"b2 unhealthy {down.ElapsedMilliseconds} ms after its decap stopped");
            Assert.Equal("Healthy", Health(lb, "b1"));
            var whileDown = Spread(lab, 20);

            started.Add(ProcessRunner.StartLogged("ip", ["netns", "exec", b2, "dotnet", BalancerProcess.DllPath, "decap", "--stats-interval", "0"], Path.Combine(dir.Path, "b2-decap-again.log")));
            var up = Stopwatch.StartNew();
            Poll.Until(() => Health(lb, "b2") == "Healthy", Deadline, "b2 healthy when its decap runs again");
            output.WriteLine($"b2 healthy {up.ElapsedMilliseconds} ms after its decap started again");
            var healed = Spread(lab, 30);
            var tap = ProcessRunner.Run("ip", ["netns", "exec", lb, "cat", "/sys/class/net/lbprobe0/statistics/tx_packets"]).StdOut.Trim();
            output.WriteLine($"while down: {Describe(whileDown)}; healed: {Describe(healed)}; packets the kernel sent into lbprobe0: {tap}");

            Assert.True(long.Parse(tap, System.Globalization.CultureInfo.InvariantCulture) > 0, "the probe's packets should have gone through lbprobe0");
            Assert.Equal(20, whileDown.GetValueOrDefault("b1"));
            Assert.True(healed.GetValueOrDefault("b1") > 0 && healed.GetValueOrDefault("b2") > 0, Describe(healed));
            Assert.False(healed.ContainsKey("FAIL"), Describe(healed));
        }
        finally
        {
            OwnProcesses.Stop(started);
            lab.Down();
        }
    }

    private static string Health(string lb, string backend)
    {
        var text = ProcessRunner.Run("ip", ["netns", "exec", lb, "curl", "-s", "-m", "5", "http://127.0.0.1:9100/api/status"]).StdOut;
        if (text.Length == 0)
        {
            return "";
        }
        var pool = JsonNode.Parse(text)!["pools"]!.AsArray().Single(p => (string?)p!["name"] == LabBalancerConfig.Service6)!;
        return (string)pool["backends"]!.AsArray().Single(b => (string?)b!["id"] == backend)!["health"]!;
    }

    // Each request may take 5 s where all must succeed (a lost SYN alone costs 1 s on a busy machine); 1 s where failures are expected.
    private static Dictionary<string, int> Spread(LabTopology lab, int n, int seconds = 5) =>
        ProcessRunner.Run("ip", ["netns", "exec", lab.Layout.Client.Namespace, "sh", "-c",
            $"for i in $(seq {n}); do curl -sg -m {seconds} 'http://[{lab.Layout.Vip6}]:{lab.Options.HttpPort}/' || echo FAIL; done"], TimeSpan.FromSeconds(120))
            .StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).GroupBy(x => x.Trim()).ToDictionary(g => g.Key, g => g.Count());

    private static string Describe(Dictionary<string, int> spread) => string.Join(",", spread.Select(kv => $"{kv.Key}={kv.Value}"));
}
