using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tools;
using Xunit;

namespace LoadBalancer.Balancer.Tests.Lab;

/// <summary>`lab up --family 6|dual` for real: IPv6 between the nodes through the switch, without a balancer running.</summary>
[Collection(NetNsCollection.Name)]
public sealed class LabIpv6TopologyTests : IDisposable
{
    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("lbv6e-lab-test").FullName;

    private static string Prefix => $"lbv6e{Environment.ProcessId % 100000}";

    public void Dispose() => Directory.Delete(_stateDirectory, recursive: true);

    [SkippableFact]
    public void Up_Family6Dsr_NodesReachEachOtherOverIpv6OnlyAndDownRemovesEverything()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        var topology = new LabTopology(new LabOptions(Prefix, 2, LabMode.Dsr) { StateDirectory = _stateDirectory, Family = LabFamily.Ipv6 });
        var layout = topology.Layout;
        bool clientToB1, clientToB2, clientToLb, b1ToLb;
        string b1, b2ViaVip, clientIpv4, config, vipOnLo;
        IReadOnlyList<string> lbAddresses;
        LabStatus status;
        try
        {
            topology.Up();
            clientToB1 = Ping6(layout.Client.Namespace, "fd00:200::11");
            clientToB2 = Ping6(layout.Client.Namespace, "fd00:200::12");
            clientToLb = Ping6(layout.Client.Namespace, "fd00:201::2");
            b1ToLb = Ping6(layout.Backends[0].Namespace, "fd00:200::2");
            b1 = Curl(layout.Client.Namespace, "http://[fd00:200::11]/");
            // DSR and tunnel deliver packets for the VIP unchanged: the backend's web server answers on VIP6 too.
            b2ViaVip = Curl(layout.Backends[1].Namespace, "http://[fd00:200::100]/");
            clientIpv4 = ProcessRunner.RunChecked("ip", "-n", layout.Client.Namespace, "-4", "addr", "show", "dev", "eth0");
            vipOnLo = ProcessRunner.RunChecked("ip", "-n", layout.Backends[0].Namespace, "-6", "addr", "show", "dev", "lo");
            lbAddresses = LabTopology.Ipv6Addresses(layout.Balancer.Namespace);
            config = File.ReadAllText(topology.BalancerConfigFile);
            status = topology.Status();
        }
        finally
        {
            topology.Down();
        }

        Assert.True(clientToB1, "client -> b1 over IPv6");
        Assert.True(clientToB2, "client -> b2 over IPv6");
        Assert.True(clientToLb, "client -> balancer (client side) over IPv6");
        Assert.True(b1ToLb, "b1 -> balancer over IPv6");
        Assert.Equal("b1\n", b1);
        Assert.Equal("b2\n", b2ViaVip);
        Assert.DoesNotContain("inet ", clientIpv4, StringComparison.Ordinal);
        Assert.Contains("fd00:200::100/128", vipOnLo, StringComparison.Ordinal);
        Assert.Equal(["fd00:200::2/64 (eth0)", "fd00:201::2/64 (eth0)"], lbAddresses.Order(StringComparer.Ordinal));
        Assert.Equal(LabFamily.Ipv6, status.State!.Family);
        Assert.Equal(["web6"], JsonNode.Parse(config)!["L4"]!["Services"]!.AsObject().Select(s => s.Key));
        Assert.DoesNotContain(Prefix + "-", ProcessRunner.RunChecked("ip", "netns", "list"), StringComparison.Ordinal);
        Assert.False(topology.Status().AnythingExists);
    }

    [SkippableFact]
    public void Up_DualNat_BackendRoutesIpv6ThroughBalancerWhichDoesNotForwardAndIpv4StillWorks()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        var topology = new LabTopology(new LabOptions(Prefix, 1, LabMode.Nat) { StateDirectory = _stateDirectory, Family = LabFamily.Dual });
        var layout = topology.Layout;
        string route6, forward6, b1v4, b1v6;
        bool lbToB1;
        try
        {
            topology.Up();
            route6 = ProcessRunner.RunChecked("ip", "-n", layout.Backends[0].Namespace, "-6", "route", "show", "default");
            forward6 = ProcessRunner.RunChecked("ip", "netns", "exec", layout.Balancer.Namespace, "sysctl", "-n", "net.ipv6.conf.all.forwarding");
            lbToB1 = Ping6(layout.Balancer.Namespace, "fd00:200::11");
            b1v4 = Curl(layout.Balancer.Namespace, "http://10.200.0.11/");
            b1v6 = Curl(layout.Balancer.Namespace, "http://[fd00:200::11]/");
        }
        finally
        {
            topology.Down();
        }

        Assert.Contains("via fd00:200::2", route6, StringComparison.Ordinal);
        Assert.Equal("0", forward6.Trim());
        Assert.True(lbToB1, "balancer -> b1 over IPv6");
        Assert.Equal("b1\n", b1v4);
        Assert.Equal("b1\n", b1v6);
    }

    [SkippableFact]
    public void Up_DualBehindRouter_ClientReachesBackendsOverIpv6ThroughTheRouter()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        Skip.If(LabWebServer.FindOnPath("bird") is null, "needs BIRD 2 (bird, birdc) for the router topology");
        var topology = new LabTopology(new LabOptions(Prefix, 1, LabMode.Dsr) { StateDirectory = _stateDirectory, Family = LabFamily.Dual, Balancers = 2 });
        var layout = topology.Layout;
        bool clientToB1, b1ToLb2;
        string viaRouter, routerForwarding, backendRoute;
        try
        {
            topology.Up();
            clientToB1 = Ping6(layout.Client.Namespace, "fd00:200::11");
            b1ToLb2 = Ping6(layout.Backends[0].Namespace, "fd00:200::202");
            viaRouter = Curl(layout.Client.Namespace, "http://[fd00:200::11]/");
            routerForwarding = ProcessRunner.RunChecked("ip", "netns", "exec", layout.Router!.Namespace, "sysctl", "-n", "net.ipv6.conf.all.forwarding");
            backendRoute = ProcessRunner.RunChecked("ip", "-n", layout.Backends[0].Namespace, "-6", "route", "show", "fd00:201::/64");
        }
        finally
        {
            topology.Down();
        }

        Assert.True(clientToB1, "client -> b1 over IPv6 through the router");
        Assert.True(b1ToLb2, "b1 -> lb2 over IPv6");
        Assert.Equal("b1\n", viaRouter);
        Assert.Equal("1", routerForwarding.Trim());
        Assert.Contains("via fd00:200::1", backendRoute, StringComparison.Ordinal);
    }

    private static bool Ping6(string ns, string address)
    {
        string[] ping = LabWebServer.FindOnPath("ping") is { } p ? [p] : ["busybox", "ping"];
        return ProcessRunner.Run("ip", ["netns", "exec", ns, .. ping, "-6", "-c", "1", "-W", "3", address]).Ok;
    }

    private static string Curl(string ns, params string[] args)
    {
        var result = ProcessRunner.Run("ip", ["netns", "exec", ns, "curl", "-s", "-m", "5", .. args]);
        return result.Ok ? result.StdOut : $"curl failed ({result.ExitCode}): {result.StdErr}";
    }
}
