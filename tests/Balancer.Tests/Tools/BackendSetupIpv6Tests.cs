using System.Net;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tools;
using LoadBalancer.TestSupport;
using Xunit;

namespace LoadBalancer.Balancer.Tests.Tools;

[Collection(NetNsCollection.Name)]
public sealed class BackendSetupIpv6Tests
{
    private const string Prefix = "lbv6e";
    private const string Vip = "fd00:203::100";

    [Fact]
    public void Run_PrintTunnelIpv6_PrintsVip128DecapForNextHeader41AndMssFor40Bytes()
    {
        var output = new StringWriter();

        int exit = BackendSetupCommand.Run(BackendSetupMode.Tunnel, Vip, "eth0", apply: false, check: false, output, TextWriter.Null);

        Assert.Equal(0, exit);
        var text = output.ToString();
        Assert.Contains($"ip -6 addr add {Vip}/128 dev lo", text, StringComparison.Ordinal);
        Assert.Contains("sysctl -w net.ipv6.conf.eth0.disable_ipv6=0", text, StringComparison.Ordinal);
        Assert.Contains(BackendSetupPlan.KernelHasIp6Tunnel ? "ip link set ip6tnl0 up" : "next header 41", text, StringComparison.Ordinal);
        Assert.Contains("advmss 1400", text, StringComparison.Ordinal);
        Assert.DoesNotContain("arp_ignore=1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("net.ipv4", text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Check_FreshNamespaceIpv6Vip_ListsVipAndDisabledIpv6AndExitsOne()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var peer = NetworkNamespace.Create("p", Prefix);
        using var backend = CreateBackend(peer);
        backend.Sysctl("net.ipv6.conf.eth0.disable_ipv6", "1");
        var output = new StringWriter();

        int exit = backend.Run(() => BackendSetupCommand.Run(BackendSetupMode.Dsr, Vip, "eth0", apply: false, check: true, output, TextWriter.Null));

        Assert.Equal(1, exit);
        var missing = output.ToString().Split('\n').Where(l => l.StartsWith("MISSING", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, missing.Count);
        Assert.Contains(missing, l => l.Contains($"VIP {Vip}/128 on lo", StringComparison.Ordinal) && l.Contains("not on lo", StringComparison.Ordinal));
        Assert.Contains(missing, l => l.Contains("net.ipv6.conf.eth0.disable_ipv6 = 0", StringComparison.Ordinal) && l.Contains("found: 1", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void Apply_Ipv6Vip_ThenCheckPassesAndVipIsOnLoInThatNamespace()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var peer = NetworkNamespace.Create("p", Prefix);
        using var backend = CreateBackend(peer);
        // lo, not eth0: switching eth0 back on would start duplicate detection of its addresses again.
        backend.Sysctl("net.ipv6.conf.lo.disable_ipv6", "1");

        int applied = backend.Run(() => BackendSetupCommand.Run(BackendSetupMode.Dsr, Vip, "eth0", apply: true, check: false, TextWriter.Null, TextWriter.Null));
        var output = new StringWriter();
        int checkedExit = backend.Run(() => BackendSetupCommand.Run(BackendSetupMode.Dsr, Vip, "eth0", apply: false, check: true, output, TextWriter.Null));

        Assert.Equal(0, applied);
        Assert.Equal(0, checkedExit);
        Assert.DoesNotContain("MISSING", output.ToString(), StringComparison.Ordinal);
        Assert.Contains($"{Vip}/128", backend.Ip("-6", "addr", "show", "dev", "lo"), StringComparison.Ordinal);
        Assert.Equal("0", backend.ExecChecked("sysctl", "-n", "net.ipv6.conf.lo.disable_ipv6").Trim());
        // The VIP answers on the backend itself (lo), so it is usable at once: no duplicate address detection on lo.
        var ping = LoadBalancer.Balancer.Lab.LabWebServer.FindOnPath("ping") is { } p ? new[] { p } : ["busybox", "ping"];
        Assert.True(backend.Exec(ping[0], [.. ping[1..], "-6", "-c", "1", "-W", "2", Vip]).Ok);
    }

    [SkippableFact]
    public void Check_AddressStillInDuplicateDetection_IsMissingWithTheAddress()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var peer = NetworkNamespace.Create("p", Prefix);
        using var backend = CreateBackend(peer);
        // One minute between DAD probes keeps the address tentative for the whole test.
        backend.Sysctl("net.ipv6.neigh.eth0.retrans_time_ms", "60000");
        backend.Ip("-6", "addr", "add", "fd00:203::12/64", "dev", "eth0");
        var options = new BackendSetupOptions(BackendSetupMode.Dsr, IPAddress.Parse(Vip), "eth0");

        var results = backend.Run(() => BackendSetupPlan.Create(options).Check());

        var dad = results.Single(r => r.Setting.Description.Contains("tentative", StringComparison.Ordinal));
        Assert.False(dad.Ok);
        Assert.Equal("fd00:203::12/64", dad.Actual);
    }

    [SkippableFact]
    public void Check_TunnelIpv6WithoutIp6TunnelModule_RequiresDecapUntilItRuns()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        Skip.If(BackendSetupPlan.KernelHasIp6Tunnel, "this kernel has the ip6_tunnel module: ip6tnl0 is used instead of balancer decap");
        using var peer = NetworkNamespace.Create("p", Prefix);
        using var backend = CreateBackend(peer);
        var options = new BackendSetupOptions(BackendSetupMode.Tunnel, IPAddress.Parse(Vip), "eth0");

        var before = backend.Run(() => BackendSetupPlan.Create(options).Check());
        using var decap = new Decapsulator(new DecapOptions());
        backend.Run(decap.Start);
        var after = backend.Run(() => BackendSetupPlan.Create(options).Check());

        static bool DecapOk(IReadOnlyList<BackendCheckResult> results) =>
            results.Single(r => r.Setting.Description.Contains("next header 41", StringComparison.Ordinal)).Ok;
        Assert.False(DecapOk(before));
        Assert.True(DecapOk(after));
    }

    private static NetworkNamespace CreateBackend(NetworkNamespace peer)
    {
        var backend = NetworkNamespace.Create("b", Prefix);
        NetworkNamespace.AddVeth(peer, "eth0", backend, "eth0");
        backend.Ip("-6", "addr", "add", "fd00:203::11/64", "dev", "eth0", "nodad");
        // The link-local address made when eth0 came up is tentative for a second or two.
        Assert.True(
            Poll.TryUntil(() => !backend.Ip("-6", "addr", "show", "dev", "eth0").Contains("tentative", StringComparison.Ordinal), TimeSpan.FromSeconds(15)),
            "eth0's link-local address still tentative after 15 s");
        return backend;
    }
}
