using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Cli;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>`balancer run` with L4 services refuses to start where it cannot work, and says every reason.</summary>
[Collection(NetNsCollection.Name)]
public sealed class L4StartupCheckTests
{
    private static JsonObject L4Only(string iface, string mode = "nat") => new()
    {
        ["Balancer"] = new JsonObject { ["Admin"] = new JsonObject { ["Url"] = "http://127.0.0.1:0" } },
        ["L4"] = new JsonObject
        {
            ["Interface"] = iface,
            ["Services"] = new JsonObject
            {
                ["web"] = new JsonObject
                {
                    ["Vip"] = "10.201.0.100", ["Port"] = 80, ["Mode"] = mode,
                    ["Backends"] = new JsonObject { ["b1"] = new JsonObject { ["Address"] = "10.201.0.11" } },
                },
            },
        },
    };

    private static ProcessResult Run(string ns, string configPath, params string[] prefix) =>
        ProcessRunner.Run("ip", ["netns", "exec", ns, .. prefix, "dotnet", BalancerProcess.DllPath, "run", "--config", configPath], TimeSpan.FromSeconds(60));

    [SkippableFact]
    public void Run_EveryProblem_ReportedAtOnce_Exit2()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates a network namespace");
        using var ns = NetworkNamespace.Create("sc");
        using var dir = new TempDir();
        ns.Sysctl("net.ipv4.ip_forward", "1");
        ns.Ip("addr", "add", "10.201.0.100/32", "dev", "lo");
        var path = dir.File("c.json", ConfigJson.Text(L4Only("eth9")));

        var r = Run(ns.Name, path);

        Assert.Equal(ExitCodes.RuntimeFailure, r.ExitCode);
        Assert.Contains("L4:Interface: 'eth9' is not an interface in this network namespace (there are: lo)", r.StdErr);
        Assert.Contains("net.ipv4.ip_forward=1", r.StdErr);
        Assert.Contains("'10.201.0.100' is an address of interface lo", r.StdErr);
    }

    [SkippableFact]
    public void Run_WithoutNetRaw_SaysWhatItNeeds()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates a network namespace");
        using var ns = NetworkNamespace.Create("sr");
        using var dir = new TempDir();
        var path = dir.File("c.json", ConfigJson.Text(L4Only("lo", "dsr")));

        var r = Run(ns.Name, path, "setpriv", "--bounding-set=-net_raw");

        Assert.Equal(ExitCodes.RuntimeFailure, r.ExitCode);
        Assert.Contains("needs CAP_NET_RAW", r.StdErr);
    }
}
