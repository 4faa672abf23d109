using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.Bench;

/// <summary>
/// The comparison harness's router contender, run as a user runs it (<c>lbbench e2e --contenders l4-dsr-router2</c>):
/// the lab's router topology with BIRD, two balancers announcing the VIP, a few seconds of wrk through the router.
/// </summary>
[Collection(NetNsCollection.Name)]
public sealed class BenchRouterLabTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task E2e_DsrBehindRouterWithTwoBalancers_BothCarryFlowsAndTheLabsAreRemoved()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: the harness creates network namespaces and runs BIRD and the L4 engine on raw sockets");
        foreach (var tool in new[] { "bird", "birdc", "nginx", "wrk", "curl", "ethtool" })
        {
            Skip.If(LoadBalancer.Balancer.Lab.LabWebServer.FindOnPath(tool) is null, $"needs {tool} (bench/run-e2e.sh and tests/run.sh install it)");
        }

        using var dir = new TempDir();
        var prefix = $"lbsb{Environment.ProcessId % 100000}";
        try
        {
            await RunHarness(dir.Path, prefix);
        }
        finally
        {
            RemoveLeftovers(prefix);
        }
    }

    private async Task RunHarness(string outDir, string prefix)
    {
        var result = await ProcessRunner.RunAsync("dotnet", [
            HarnessDll(), "e2e", "--contenders", "l4-dsr-router2", "--workloads", "ka64,close", "--rounds", "1", "--duration", "3s",
            "--warmup", "1s", "--out", outDir, "--prefix", prefix, "--balancer", BalancerProcess.DllPath,
        ], TimeSpan.FromMinutes(6));
        output.WriteLine(result.StdOut);
        output.WriteLine(result.StdErr);

        Assert.False(result.TimedOut, "the harness ran longer than 6 minutes");
        Assert.Equal(0, result.ExitCode);
        var runs = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!["runs"]!.AsArray();
        Assert.Equal(2, runs.Count);
        foreach (var run in runs)
        {
            var flows = run!["BalancerFlows"]!.AsArray().Select(f => f!.GetValue<double>()).ToList();
            var cpu = run["BalancerCpuSeconds"]!.AsArray().Select(c => c!.GetValue<double>()).ToList();
            output.WriteLine($"{run["Workload"]}: {run["Value"]} per s, new flows per balancer {string.Join(" / ", flows)}, CPU s {string.Join(" / ", cpu)}");
            Assert.Null(run["Failure"]?.GetValue<string>());
            Assert.Equal(2, flows.Count);
            Assert.All(flows, f => Assert.True(f > 0, $"a balancer started no flow: {string.Join(" / ", flows)}"));
            Assert.Equal(run["ContenderCpuSeconds"]!.GetValue<double>(), cpu.Sum(), 6);
        }

        Assert.Contains("Balancers behind the router", File.ReadAllText(Path.Combine(outDir, "results.md")), StringComparison.Ordinal);
        var left = ProcessRunner.Run("ip", ["netns", "list"]).StdOut.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.True(left.Count == 0, "namespaces left behind: " + string.Join(' ', left));
    }

    // Only when the harness was killed or failed to clean up: end what runs in its namespaces, then delete them.
    internal static void RemoveLeftovers(string prefix)
    {
        var left = ProcessRunner.Run("ip", ["netns", "list"]).StdOut.Split('\n')
            .Select(l => l.Split(' ')[0]).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        foreach (var ns in left)
        {
            foreach (var pid in ProcessRunner.Run("ip", ["netns", "pids", ns]).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                ProcessRunner.Run("kill", ["-KILL", pid.Trim()]);
            }

            ProcessRunner.Run("ip", ["netns", "del", ns]);
        }
    }

    // Built by this project's reference to bench/LoadBalancer.Bench, in the same configuration as the tests.
    internal static string HarnessDll()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var framework = bin.Name;
        var configuration = bin.Parent!.Name;
        var root = bin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "LoadBalancer.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var dll = Path.Combine(root.FullName, "bench", "LoadBalancer.Bench", "bin", configuration, framework, "lbbench.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build tests/Balancer.Tests (it builds the harness)");
        return dll;
    }
}
