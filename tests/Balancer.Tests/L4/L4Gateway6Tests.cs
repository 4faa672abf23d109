using System.Diagnostics;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>
/// IPv6 tunnel backends behind a router: the client and the balancer reach the router on their own links, each
/// backend sits on a /64 of its own behind it. Without <c>L4:Gateway6</c> the engine solicits the backends on its link,
/// nobody answers, and nothing passes; with the router's link-local address as <c>Gateway6</c> (a reload) the engine
/// resolves the router and sends the IPv6-in-IPv6 packets to it, the backends decapsulate with <c>balancer decap</c>
/// and answer the client through the router.
/// </summary>
[Collection(NetNsCollection.Name)]
public sealed class L4Gateway6Tests(ITestOutputHelper output) : IDisposable
{
    private const string Prefix = "lbv6i";
    private const string Vip6 = "fd00:a::100";
    private const string RouterLinkLocal = "fe80::1";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly List<NetworkNamespace> _namespaces = [];
    private readonly List<Process> _processes = [];
    private readonly TempDir _dir = new();

    [SkippableFact]
    public void TunnelBackendsBehindRouter_UnreachableWithoutGateway6_ServedThroughItAfterReload()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        Skip.If(BackendSetupPlan.KernelHasIpip, "this kernel has tunnel modules; the test drives `balancer decap`, which is for kernels without them");
        var (client, lb) = Build();
        var config = Config(gateway6: null);
        var path = Path.Combine(_dir.Path, "balancer.json");
        File.WriteAllText(path, ConfigJson.Text(config));
        var balancerLog = Path.Combine(_dir.Path, "balancer.log");
        var balancer = Start(lb, balancerLog, "dotnet", BalancerProcess.DllPath, "run", "--config", path);
        Poll.Until(() => Read(balancerLog).Contains("balancer running") || balancer.HasExited, Deadline, "balancer start");
        Assert.False(balancer.HasExited, Read(balancerLog));

        // Off-link backends are solicited on the balancer's link and never answer: no backend takes flows.
        Poll.Until(() => Metric(lb, "lb_ndp_total{kind=\"unresolved\"}") >= 2, Deadline, "both backends reported unresolved");
        var without = Spread(client, 5, seconds: 1);
        Assert.Equal(5, without.GetValueOrDefault("FAIL"));

        config["L4"]!["Gateway6"] = RouterLinkLocal;
        File.WriteAllText(path, ConfigJson.Text(config));
        Assert.True(lb.Exec("dotnet", BalancerProcess.DllPath, "admin", "reload").Ok, Read(balancerLog));
        var sw = Stopwatch.StartNew();
        Poll.Until(() => Spread(client, 1, seconds: 1).ContainsKey("b1") || Spread(client, 1, seconds: 1).ContainsKey("b2"), Deadline, "an answer through the router");
        output.WriteLine($"first answer through the router {sw.ElapsedMilliseconds} ms after the reload");
        var with = Spread(client, 30);
        var metrics = Scrape(lb);
        output.WriteLine($"without Gateway6: {Describe(without)}; with: {Describe(with)}");
        output.WriteLine(string.Join("\n", metrics.Split('\n').Where(l => l.StartsWith("lb_ndp", StringComparison.Ordinal))));

        Assert.False(with.ContainsKey("FAIL"), Describe(with));
        Assert.True(with.GetValueOrDefault("b1") > 0 && with.GetValueOrDefault("b2") > 0, Describe(with));
        Assert.Equal(0, Metric(lb, "lb_ndp_unresolved_neighbours"));
        Assert.True(Metric(lb, "lb_ndp_total{kind=\"learnt\"}") >= 1, "the router was learnt from its advertisement");
    }

    /// <summary>client --(fd00:c::/64)-- router --(fd00:a::/64)-- balancer; router --(fd00:b1::/64)-- b1, router --(fd00:b2::/64)-- b2.</summary>
    private (NetworkNamespace Client, NetworkNamespace Lb) Build()
    {
        var client = Ns("c");
        var lb = Ns("lb");
        var router = Ns("rt");
        var backends = new[] { Ns("b1"), Ns("b2") };
        router.ExecChecked("sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1");
        NetworkNamespace.AddVeth(client, "eth0", router, "c0");
        Address(client, "eth0", "fd00:c::10/64");
        Address(router, "c0", "fd00:c::1/64");
        client.Ip("-6", "route", "add", "default", "via", "fd00:c::1", "dev", "eth0");
        NetworkNamespace.AddVeth(lb, "eth0", router, "a0");
        Address(lb, "eth0", "fd00:a::2/64");
        Address(router, "a0", "fd00:a::1/64");
        Address(router, "a0", $"{RouterLinkLocal}/64");
        for (var i = 0; i < backends.Length; i++)
        {
            var b = backends[i];
            var net = $"fd00:b{i + 1}";
            NetworkNamespace.AddVeth(b, "eth0", router, $"b{i + 1}");
            Address(b, "eth0", $"{net}::1{i + 1}/64");
            Address(router, $"b{i + 1}", $"{net}::1/64");
            b.Ip("-6", "route", "add", "default", "via", $"{net}::1", "dev", "eth0");
            // The user's path: backend-setup puts the VIP on lo and turns IPv6 on for the decapsulator's TUN device.
            var setup = b.Exec("dotnet", BalancerProcess.DllPath, "backend-setup", "--mode", "tunnel", "--vip", Vip6, "--interface", "eth0", "--apply");
            output.WriteLine($"backend-setup b{i + 1}: {setup.ExitCode} {setup.StdOut.Trim()} {setup.StdErr.Trim()}");
            Start(b, Path.Combine(_dir.Path, $"b{i + 1}-decap.log"), "dotnet", BalancerProcess.DllPath, "decap", "--stats-interval", "0");
            Start(b, Path.Combine(_dir.Path, $"b{i + 1}.log"), "dotnet", BalancerProcess.DllPath, "demo-backend", "--name", $"b{i + 1}", "--url", "http://[::]:8080");
            var real = $"http://[{net}::1{i + 1}]:8080/health";
            Poll.Until(() => router.Exec("curl", "-sg", "-m", "1", real).StdOut == "ok", Deadline, $"backend b{i + 1} on its real address");
        }
        return (client, lb);
    }

    private static JsonObject Config(string? gateway6)
    {
        var l4 = new JsonObject
        {
            ["Interface"] = "eth0",
            ["Services"] = new JsonObject
            {
                ["web6"] = new JsonObject
                {
                    ["Vip"] = Vip6, ["Port"] = 8080, ["Mode"] = "tunnel",
                    ["Backends"] = new JsonObject
                    {
                        ["b1"] = new JsonObject { ["Address"] = "fd00:b1::11" },
                        ["b2"] = new JsonObject { ["Address"] = "fd00:b2::12" },
                    },
                },
            },
        };
        if (gateway6 is not null)
        {
            l4["Gateway6"] = gateway6;
        }
        return new JsonObject
        {
            ["Balancer"] = new JsonObject { ["Admin"] = new JsonObject { ["Url"] = "http://127.0.0.1:9100" } },
            ["L4"] = l4,
        };
    }

    private NetworkNamespace Ns(string suffix)
    {
        var ns = NetworkNamespace.Create(suffix, Prefix);
        _namespaces.Add(ns);
        return ns;
    }

    private static void Address(NetworkNamespace ns, string device, string cidr) => ns.Ip("-6", "addr", "add", cidr, "dev", device, "nodad");

    private Process Start(NetworkNamespace ns, string log, params string[] args)
    {
        var p = ProcessRunner.StartLogged("ip", ["netns", "exec", ns.Name, .. args], log);
        _processes.Add(p);
        return p;
    }

    private static string Read(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    private static string Scrape(NetworkNamespace lb) => lb.Exec("curl", "-s", "-m", "5", "http://127.0.0.1:9100/metrics").StdOut;

    private static double Metric(NetworkNamespace lb, string sample) =>
        Scrape(lb).Split('\n').Where(l => l.StartsWith(sample + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(sample.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).First();

    // Each request may take 5 s where all must succeed (a lost SYN alone costs 1 s on a busy machine); 1 s where failures are expected.
    private static Dictionary<string, int> Spread(NetworkNamespace client, int n, int seconds = 5) =>
        client.Exec("sh", "-c", $"for i in $(seq {n}); do curl -sg -m {seconds} 'http://[{Vip6}]:8080/' || echo FAIL; done")
            .StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).GroupBy(x => x.Trim()).ToDictionary(g => g.Key, g => g.Count());

    private static string Describe(Dictionary<string, int> spread) => string.Join(",", spread.Select(kv => $"{kv.Key}={kv.Value}"));

    public void Dispose()
    {
        OwnProcesses.Stop(_processes);
        foreach (var ns in _namespaces)
        {
            ns.Dispose();
        }
        _dir.Dispose();
    }
}
