using System.Net;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tools;
using Xunit;

namespace LoadBalancer.Balancer.Tests.Tools;

[Collection(NetNsCollection.Name)]
public sealed class BackendSetupTests
{
    private const string Vip = "10.203.0.100";

    [SkippableFact]
    public void Check_FreshNamespace_ListsEachMissingSettingAndExitsOne()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var backend = CreateBackend(out var peer);
        using var _ = peer;
        backend.Sysctl("net.ipv4.conf.all.rp_filter", "1");
        backend.Sysctl("net.ipv4.conf.eth0.rp_filter", "1");
        var output = new StringWriter();

        int exit = backend.Run(() => BackendSetupCommand.Run(BackendSetupMode.Dsr, Vip, "eth0", apply: false, check: true, output, TextWriter.Null));

        Assert.Equal(1, exit);
        var missing = output.ToString().Split('\n').Where(l => l.StartsWith("MISSING", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, missing.Count);
        Assert.Contains(missing, l => l.Contains($"VIP {Vip}/32 on lo", StringComparison.Ordinal));
        Assert.Contains(missing, l => l.Contains("net.ipv4.conf.all.arp_ignore = 1", StringComparison.Ordinal));
        Assert.Contains(missing, l => l.Contains("net.ipv4.conf.all.arp_announce = 2", StringComparison.Ordinal));
        Assert.Contains(missing, l => l.Contains("net.ipv4.conf.all.rp_filter = 0", StringComparison.Ordinal));
        Assert.Contains(missing, l => l.Contains("net.ipv4.conf.eth0.rp_filter = 0", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void Apply_FreshNamespace_ThenCheckPassesAndSettingsAreInThatNamespace()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var backend = CreateBackend(out var peer);
        using var _ = peer;
        backend.Sysctl("net.ipv4.conf.eth0.rp_filter", "1");

        int applied = backend.Run(() => BackendSetupCommand.Run(BackendSetupMode.Dsr, Vip, "eth0", apply: true, check: false, TextWriter.Null, TextWriter.Null));
        var output = new StringWriter();
        int checkedExit = backend.Run(() => BackendSetupCommand.Run(BackendSetupMode.Dsr, Vip, "eth0", apply: false, check: true, output, TextWriter.Null));

        Assert.Equal(0, applied);
        Assert.Equal(0, checkedExit);
        Assert.DoesNotContain("MISSING", output.ToString(), StringComparison.Ordinal);
        // Read back with separate tools, so a check bug cannot hide a setting that was not applied.
        Assert.Contains($"{Vip}/32", backend.Ip("-4", "addr", "show", "dev", "lo"), StringComparison.Ordinal);
        Assert.Equal("1", backend.ExecChecked("sysctl", "-n", "net.ipv4.conf.all.arp_ignore").Trim());
        Assert.Equal("2", backend.ExecChecked("sysctl", "-n", "net.ipv4.conf.all.arp_announce").Trim());
        Assert.Equal("0", backend.ExecChecked("sysctl", "-n", "net.ipv4.conf.eth0.rp_filter").Trim());
    }

    [SkippableFact]
    public void Check_TunnelModeWithoutIpipModule_RequiresDecapUntilItRuns()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        Skip.If(BackendSetupPlan.KernelHasIpip, "this kernel has the ipip module: tunl0 is used instead of balancer decap");
        using var backend = CreateBackend(out var peer);
        using var _ = peer;
        var options = new BackendSetupOptions(BackendSetupMode.Tunnel, IPAddress.Parse(Vip), "eth0");

        var before = backend.Run(() => BackendSetupPlan.Create(options).Check());
        using var decap = new Decapsulator(new DecapOptions());
        backend.Run(decap.Start);
        var after = backend.Run(() => BackendSetupPlan.Create(options).Check());

        static bool DecapOk(IReadOnlyList<BackendCheckResult> results) =>
            results.Single(r => r.Setting.Description.Contains("decapsulator", StringComparison.Ordinal)).Ok;
        Assert.False(DecapOk(before));
        Assert.True(DecapOk(after));
    }

    [Fact]
    public void Create_ParsesModeCaseInsensitivelyAndRequiresVip()
    {
        var command = BackendSetupCommand.Create();

        var good = command.Parse("--mode dsr --vip 10.0.0.1 --check");
        var noVip = command.Parse("--mode tunnel");

        Assert.Empty(good.Errors);
        Assert.Equal(BackendSetupMode.Dsr, good.GetValue<BackendSetupMode>("--mode"));
        Assert.NotEmpty(noVip.Errors);
    }

    [Fact]
    public void Run_ApplyAndCheckTogether_ExitsTwo()
    {
        var error = new StringWriter();

        int exit = BackendSetupCommand.Run(BackendSetupMode.Dsr, Vip, "eth0", apply: true, check: true, TextWriter.Null, error);

        Assert.Equal(2, exit);
        Assert.Contains("not both", error.ToString(), StringComparison.Ordinal);
    }

    private static NetworkNamespace CreateBackend(out NetworkNamespace peer)
    {
        peer = NetworkNamespace.Create("sp");
        var backend = NetworkNamespace.Create("sb");
        NetworkNamespace.AddVeth(peer, "eth0", backend, "eth0");
        backend.Ip("addr", "add", "10.203.0.11/24", "dev", "eth0");
        return backend;
    }
}
