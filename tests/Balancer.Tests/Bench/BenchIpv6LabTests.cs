using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.Bench;

/// <summary>
/// The comparison harness's IPv6 rows, run as a user runs them (<c>lbbench e2e --contenders direct,l4-nat,nftables
/// --family dual</c>): the dual-stack lab, each IPv6 twin after its IPv4 contender, a short TCP and UDP run of each.
/// The figures mean nothing here (a shared machine, one short round); the test checks that every row ran, that the
/// IPv6 rows' ratios are taken against direct6 and nftables6, and that the report shows them.
/// </summary>
[Collection(NetNsCollection.Name)]
public sealed class BenchIpv6LabTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task E2e_FamilyDual_Ipv6RowsRunBesideTheirIpv4TwinsAndTheLabIsRemoved()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: the harness creates network namespaces and runs the L4 engine on raw sockets");
        foreach (var tool in new[] { "nginx", "wrk", "curl", "ethtool", "nft" })
        {
            Skip.If(LoadBalancer.Balancer.Lab.LabWebServer.FindOnPath(tool) is null, $"needs {tool} (bench/run-e2e.sh and tests/run.sh install it)");
        }

        using var dir = new TempDir();
        var prefix = $"lbb6f{Environment.ProcessId % 100000}";
        try
        {
            var result = await ProcessRunner.RunAsync("dotnet", [
                BenchRouterLabTests.HarnessDll(), "e2e", "--contenders", "direct,l4-nat,nftables", "--family", "dual", "--workloads", "ka64,udp",
                "--rounds", "1", "--duration", "2s", "--warmup", "1s", "--udp-packets", "200000", "--out", dir.Path, "--prefix", prefix,
                "--balancer", BalancerProcess.DllPath,
            ], TimeSpan.FromMinutes(6));
            output.WriteLine(result.StdOut);
            output.WriteLine(result.StdErr);

            Assert.False(result.TimedOut, "the harness ran longer than 6 minutes");
            Assert.Equal(0, result.ExitCode);
            CheckResults(dir.Path);
            var left = ProcessRunner.Run("ip", ["netns", "list"]).StdOut.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            Assert.True(left.Count == 0, "namespaces left behind: " + string.Join(' ', left));
        }
        finally
        {
            BenchRouterLabTests.RemoveLeftovers(prefix);
        }
    }

    private void CheckResults(string outDir)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!;
        var runs = json["runs"]!.AsArray();
        Assert.Equal(12, runs.Count);
        foreach (var run in runs)
        {
            output.WriteLine($"{run!["Contender"]} {run["Workload"]}: {run["Value"]}");
            Assert.Null(run["Failure"]?.GetValue<string>());
            Assert.True(run["Count"]!.GetValue<long>() > 0, $"{run["Contender"]} {run["Workload"]} counted nothing");
        }

        var summaries = json["summaries"]!.AsArray();
        JsonNode Summary(string contender, string workload) =>
            summaries.Single(s => s!["Contender"]!.GetValue<string>() == contender && s["Workload"]!.GetValue<string>() == workload)!;
        double Median(JsonNode s, string stat) => s[stat]!["Median"]!.GetValue<double>();
        double Value(string contender, string workload) => Median(Summary(contender, workload), "Value");
        foreach (var w in new[] { "ka64", "udp" })
        {
            var nat6 = Summary("l4-nat6", w);
            Assert.Equal("IPv6", nat6["Family"]!.GetValue<string>());
            Assert.Equal("IPv4", Summary("l4-nat", w)["Family"]!.GetValue<string>());
            // One round: the ratios are exactly the quotients of that round's values, against the IPv6 baselines.
            Assert.Equal(Value("l4-nat6", w) / Value("nftables6", w), Median(nat6, "VsNftables"), 9);
            Assert.Equal(Value("l4-nat6", w) / Value("direct6", w), Median(nat6, "VsDirect"), 9);
            Assert.Equal(Value("l4-nat6", w) / Value("l4-nat", w), Median(nat6, "VsIpv4Twin"), 9);
            Assert.Equal(Value("l4-nat", w) / Value("nftables", w), Median(Summary("l4-nat", w), "VsNftables"), 9);
        }

        var md = File.ReadAllText(Path.Combine(outDir, "results.md"));
        Assert.Contains("## IPv6 beside IPv4", md, StringComparison.Ordinal);
        Assert.Contains("| ka64 | l4-nat6 | IPv6 |", md, StringComparison.Ordinal);
        Assert.Contains("| udp | nftables | IPv4 |", md, StringComparison.Ordinal);
        Assert.Contains("- IPv6 rows: `direct6`, `l4-nat6`, `nftables6`", md, StringComparison.Ordinal);
    }
}
