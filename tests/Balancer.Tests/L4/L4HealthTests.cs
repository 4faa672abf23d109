using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>Health checks driving the L4 engine end to end in namespaces.</summary>
[Collection(NetNsCollection.Name)]
public sealed class L4HealthTests(ITestOutputHelper output)
{
    private static void Check(JsonObject config, string probe) =>
        config["Health"] = new JsonObject
        {
            ["Pools"] = new JsonObject
            {
                ["web"] = new JsonObject
                {
                    ["Check"] = new JsonObject
                    {
                        ["Probe"] = probe, ["Interval"] = "300ms", ["FastInterval"] = "100ms", ["Timeout"] = "300ms", ["Rise"] = 2, ["Fall"] = 2, ["Jitter"] = 0,
                    },
                },
            },
        };

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

    [SkippableFact]
    public void DataPathProbe_DsrBackendWithoutVip_IsDown_ThenUpWhenFixed()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        using var lab = new L4Lab("dsr", suffix: "dp");
        var b2 = lab.Topology.Layout.Backends[1].Namespace;
        // b2 is not set up for DSR: its real address still answers TCP, but it does not own the VIP.
        L4Lab.Exec(b2, "ip", "addr", "del", $"{L4Lab.Vip}/32", "dev", "lo");
        var config = lab.Config();
        Check(config, "datapath");
        lab.StartBalancer(config);

        Poll.Until(() => Health(lab, "b1") == "Healthy" && Health(lab, "b2") == "Unhealthy", TimeSpan.FromSeconds(10), "b1 healthy, b2 unhealthy");
        var broken = Spread(lab, 30);
        var setupCheck = L4Lab.Exec(b2, "dotnet", TestSupport.BalancerProcess.DllPath, "backend-setup", "--mode", "dsr", "--vip", L4Lab.Vip, "--interface", "eth0", "--check");

        L4Lab.Exec(b2, "ip", "addr", "add", $"{L4Lab.Vip}/32", "dev", "lo");
        var fixedAfter = System.Diagnostics.Stopwatch.StartNew();
        Poll.Until(() => Health(lab, "b2") == "Healthy", TimeSpan.FromSeconds(10), "b2 healthy after the VIP is added");
        output.WriteLine($"b2 healthy {fixedAfter.ElapsedMilliseconds} ms after its VIP was added; while down: {string.Join(",", broken.Select(kv => $"{kv.Key}={kv.Value}"))}");
        var healed = Spread(lab, 30);

        Assert.Equal(30, broken.GetValueOrDefault("b1"));
        Assert.Equal(1, setupCheck.ExitCode);
        Assert.Contains(L4Lab.Vip, setupCheck.StdOut + setupCheck.StdErr);
        Assert.True(healed.GetValueOrDefault("b1") > 0 && healed.GetValueOrDefault("b2") > 0, string.Join(",", healed));
        Assert.False(healed.ContainsKey("FAIL"));
    }

    [SkippableFact]
    public void TcpProbe_DsrBackendWithoutVip_LooksHealthy_WhichIsWhyDataPathExists()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        using var lab = new L4Lab("dsr", suffix: "tp");
        L4Lab.Exec(lab.Topology.Layout.Backends[1].Namespace, "ip", "addr", "del", $"{L4Lab.Vip}/32", "dev", "lo");
        var config = lab.Config();
        Check(config, "tcp");
        lab.StartBalancer(config);

        Poll.Until(() => Health(lab, "b1") == "Healthy" && Health(lab, "b2") == "Healthy", TimeSpan.FromSeconds(10), "both healthy by tcp");
        // 20 flows: the chance that none is hashed to b2 is 2^-20 (with 12 it was 1 in 4,096 runs).
        var spread = Spread(lab, 20, seconds: 1);
        output.WriteLine($"tcp check, b2 without VIP: {string.Join(",", spread.Select(kv => $"{kv.Key}={kv.Value}"))}");

        // Flows hashed to b2 fail: the real address answers the check, the VIP does not answer clients.
        Assert.True(spread.GetValueOrDefault("FAIL") > 0);
    }
}
