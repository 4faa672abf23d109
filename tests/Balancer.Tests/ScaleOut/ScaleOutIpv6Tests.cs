using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.Metrics;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.ScaleOut;

/// <summary>
/// IPv6 VIPs announced by BGP: <c>lab up --balancers 2 --family 6|dual</c> built for real (router and balancers each
/// running BIRD, IPv6 BGP sessions), a real <c>balancer run</c> per balancer with <c>L4:Announce</c> on; the router's
/// kernel gets one IPv6 route to the VIP6 with a next hop per balancer, the client's requests through the router are
/// answered, and <c>admin drain-node</c> / <c>ready-node</c> take a balancer's next hop away and back.
/// </summary>
[Collection(NetNsCollection.Name)]
public sealed partial class ScaleOutIpv6Tests(ITestOutputHelper output)
{
    private const string Vip6 = "fd00:200::100";
    private const string Vip4 = "10.200.0.100";
    private static readonly TimeSpan RouteTimeout = TimeSpan.FromSeconds(30);

    [SkippableTheory]
    [InlineData(LabFamily.Ipv6, "s")]
    [InlineData(LabFamily.Dual, "d")]
    public void TwoBalancers_Ipv6Vip_EcmpRouteAnsweredDrainAndReadyMoveTheNextHop(LabFamily family, string suffix)
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces, runs BIRD and the L4 engine on raw sockets");
        Skip.If(LabWebServer.FindOnPath("bird") is null, "needs BIRD 2 (apt-get install -y bird2; tests/run.sh installs it)");
        using var dir = new TempDir();
        var topology = new LabTopology(new LabOptions($"lbv6h{Environment.ProcessId % 100000}{suffix}", 2, LabMode.Dsr)
        {
            StateDirectory = dir.Path, SelfCommand = ["dotnet", BalancerProcess.DllPath], Balancers = 2, Family = family,
        });
        var balancers = new List<Process>();
        try
        {
            topology.Up();
            var layout = topology.Layout;
            string Lb(int i) => layout.Balancers[i - 1].Namespace;
            string Hop(int i) => layout.Balancers[i - 1].Address6.ToString();
            // A route a previous run left in the IPv6 announce table (the balancer's protocol 250): removed at start.
            Assert.Equal("", Run("ip", "-n", Lb(1), "-6", "route", "add", "fd00:200::999/128", "dev", "lo", "table", "200", "proto", "250"));
            for (int i = 1; i <= 2; i++)
            {
                balancers.Add(StartBalancer(dir, Lb(i), i, family));
            }

            Assert.DoesNotContain("fd00:200::999", AnnounceTable6(Lb(1)), StringComparison.Ordinal);

            WaitForNextHops(layout.Router!.Namespace, Vip6, [Hop(1), Hop(2)]);
            output.WriteLine("router: " + Run("ip", "-n", layout.Router.Namespace, "-6", "route", "show", $"{Vip6}/128"));
            if (family == LabFamily.Dual)
            {
                WaitForNextHops(layout.Router.Namespace, Vip4, [layout.Balancers[0].Address.ToString(), layout.Balancers[1].Address.ToString()]);
            }

            var answers = Requests(layout.Client.Namespace, 40);
            output.WriteLine($"40 requests to [{Vip6}]: {string.Join(", ", answers.GroupBy(a => a).Select(g => $"{g.Key.Trim()} x{g.Count()}"))}");
            Assert.Equal(40, answers.Count(a => a is "b1\n" or "b2\n"));
            Assert.Contains("b1\n", answers);
            Assert.Contains("b2\n", answers);
            var flows = (NewFlows(Lb(1)), NewFlows(Lb(2)));
            output.WriteLine($"new flows: lb1 {flows.Item1}, lb2 {flows.Item2}");
            Assert.True(flows.Item1 > 0 && flows.Item2 > 0, $"the router spread the IPv6 flows over both balancers: {flows}");
            Assert.Equal(1, Announced(Lb(1)));

            var drain = Run("ip", "netns", "exec", Lb(1), "dotnet", BalancerProcess.DllPath, "admin", "drain-node");
            Assert.Contains("node draining", drain, StringComparison.Ordinal);
            var clock = Stopwatch.StartNew();
            WaitForNextHops(layout.Router.Namespace, Vip6, [Hop(2)]);
            output.WriteLine($"drain-node: lb1's next hop gone from the router after {clock.ElapsedMilliseconds} ms");
            Assert.Equal(0, Announced(Lb(1)));
            Assert.Equal(1, Announced(Lb(2)));
            var before = NewFlows(Lb(2));
            Assert.Equal(10, Requests(layout.Client.Namespace, 10).Count(a => a is "b1\n" or "b2\n"));
            Assert.True(NewFlows(Lb(2)) >= before + 10, "while lb1 is drained, lb2 carries the new flows");

            Run("ip", "netns", "exec", Lb(1), "dotnet", BalancerProcess.DllPath, "admin", "ready-node");
            clock.Restart();
            WaitForNextHops(layout.Router.Namespace, Vip6, [Hop(1), Hop(2)]);
            output.WriteLine($"ready-node: lb1's next hop back after {clock.ElapsedMilliseconds} ms");
            Assert.Equal(1, Announced(Lb(1)));

            // A clean stop withdraws the VIP6: the table is empty again and the router keeps lb2 only.
            Assert.Contains($"{Vip6} dev lbvip0", AnnounceTable6(Lb(1)), StringComparison.Ordinal);
            ProcessRunner.Stop(balancers[0], TimeSpan.FromSeconds(10));
            WaitForNextHops(layout.Router.Namespace, Vip6, [Hop(2)]);
            Assert.Equal("", AnnounceTable6(Lb(1)).Trim());
        }
        finally
        {
            foreach (var p in balancers)
            {
                ProcessRunner.Stop(p, TimeSpan.FromSeconds(10));
                p.Dispose();
            }

            topology.Down();
        }
    }

    /// <summary>The config each balancer runs: the same DSR service on the VIP6 (and on the IPv4 VIP in a dual lab), announcement on.</summary>
    private static JsonObject Config(LabFamily family)
    {
        var services = new JsonObject { ["web6"] = Service(Vip6, "fd00:200::11", "fd00:200::12") };
        if (family == LabFamily.Dual)
        {
            services["web"] = Service(Vip4, "10.200.0.11", "10.200.0.12");
        }

        return new JsonObject
        {
            ["Balancer"] = new JsonObject { ["Admin"] = new JsonObject { ["Url"] = "http://127.0.0.1:9100" } },
            ["L4"] = new JsonObject
            {
                ["Interface"] = LabLayout.InterfaceName,
                ["Announce"] = new JsonObject { ["Enabled"] = true, ["Table"] = 200 },
                ["Services"] = services,
            },
        };
    }

    private static JsonObject Service(string vip, string b1, string b2) => new()
    {
        ["Vip"] = vip, ["Port"] = 80, ["Protocol"] = "tcp", ["Mode"] = "dsr", ["Selector"] = "maglev", ["NonSynMiss"] = "ReselectViaHash",
        ["Backends"] = new JsonObject { ["b1"] = new JsonObject { ["Address"] = b1 }, ["b2"] = new JsonObject { ["Address"] = b2 } },
    };

    private static Process StartBalancer(TempDir dir, string ns, int i, LabFamily family)
    {
        var path = dir.File($"lb{i}.json", ConfigJson.Text(Config(family)));
        var log = Path.Combine(dir.Path, $"lb{i}.log");
        var p = ProcessRunner.StartLogged("ip", ["netns", "exec", ns, "dotnet", BalancerProcess.DllPath, "run", "--config", path], log);
        Poll.Until(() => Read(log).Contains("balancer running", StringComparison.Ordinal) || p.HasExited, TimeSpan.FromSeconds(60), $"balancer {i} start");
        Assert.False(p.HasExited, $"balancer {i} exited: " + Read(log));
        return p;
    }

    private static void WaitForNextHops(string router, string vip, string[] want)
    {
        var sorted = want.Order(StringComparer.Ordinal).ToList();
        Assert.True(Poll.TryUntil(() => NextHops(router, vip).SequenceEqual(sorted), RouteTimeout),
            $"router next hops for {vip}: [{string.Join(", ", NextHops(router, vip))}], expected [{string.Join(", ", sorted)}]");
    }

    /// <summary>The next hops of the router's route to <paramref name="vip"/> (one per announcing balancer).</summary>
    private static List<string> NextHops(string router, string vip)
    {
        var v6 = vip.Contains(':', StringComparison.Ordinal);
        var text = ProcessRunner.Run("ip", ["-n", router, v6 ? "-6" : "-4", "route", "show", v6 ? $"{vip}/128" : $"{vip}/32"]).StdOut;
        return Via().Matches(text).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToList();
    }

    private static List<string> Requests(string client, int count) =>
        Enumerable.Range(0, count).Select(_ => ProcessRunner.Run("ip", ["netns", "exec", client, "curl", "-s", "-m", "10", $"http://[{Vip6}]/"], TimeSpan.FromSeconds(20)).StdOut).ToList();

    private static string AnnounceTable6(string ns) => Run("ip", "-n", ns, "-6", "route", "show", "table", "200", "proto", "250");

    private static string Metrics(string ns) => ProcessRunner.Run("ip", ["netns", "exec", ns, "curl", "-s", "-m", "10", "http://127.0.0.1:9100/metrics"], TimeSpan.FromSeconds(20)).StdOut;

    private static double NewFlows(string ns) => MetricsText.Value(Metrics(ns), "lb_l4_new_flows_total") ?? throw new InvalidOperationException($"no lb_l4_new_flows_total from {ns}");

    private static double? Announced(string ns) => MetricsText.Value(Metrics(ns), $"lb_vip_announced{{vip=\"{Vip6}\"}}");

    private static string Run(string file, params string[] args) => ProcessRunner.Run(file, args, TimeSpan.FromSeconds(60)).StdOut;

    private static string Read(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    [GeneratedRegex(@"via ([0-9a-f:.]+)")]
    private static partial Regex Via();
}
