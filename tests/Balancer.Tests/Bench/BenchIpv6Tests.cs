using System.Net;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tools;
using LoadBalancer.Bench.Contenders;

namespace LoadBalancer.Balancer.Tests.Bench;

/// <summary>The harness's IPv6 rows: names and their family, --family, the kernel DNAT ruleset over IPv6, the plan.</summary>
[Collection(NetNsCollection.Name)]
public sealed class BenchIpv6Tests
{
    [Theory]
    [InlineData("l4-nat6", "nat", null)]
    [InlineData("l4-fullnat6", "fullnat", null)]
    [InlineData("l4-tunnel6", "tunnel", null)]
    [InlineData("l4-dsr6-w2", "dsr", 2)]
    public void L4Variant_Parse_SixAfterTheMode_IsTheModeOverIpv6(string name, string mode, int? workers)
    {
        Assert.Equal(new L4Variant(mode, workers, Ipv6: true), L4Variant.Parse(name));
        Assert.False(L4Variant.Parse("l4-" + mode)!.Ipv6);
    }

    [Theory]
    [InlineData("l4-nat66", "unknown mode 'nat66'")]
    [InlineData("l4-6", "unknown mode '6'")]
    [InlineData("l4-dsr6-router2", "router lab for IPv4 only")]
    public void L4Variant_Parse_BadIpv6Name_SaysWhy(string name, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => L4Variant.Parse(name));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("direct", false, "direct6", "direct", "nftables")]
    [InlineData("direct6", true, null, "direct6", "nftables6")]
    [InlineData("nftables6", true, null, "direct6", "nftables6")]
    [InlineData("l4-nat", false, "l4-nat6", "direct", "nftables")]
    [InlineData("l4-nat-w2-ring", false, "l4-nat6-w2-ring", "direct", "nftables")]
    [InlineData("l4-tunnel6", true, null, "direct6", "nftables6")]
    [InlineData("l4-dsr-router2", false, null, "direct", "nftables")]
    [InlineData("l7", false, null, "direct", "nftables")]
    [InlineData("haproxy-http", false, null, "direct", "nftables")]
    public void ContenderFamily_OfName_FamilyTwinAndBaselines(string name, bool ipv6, string? twin, string direct, string nftables)
    {
        Assert.Equal(ipv6, ContenderFamily.IsIpv6(name));
        Assert.Equal(ipv6 ? "IPv6" : "IPv4", ContenderFamily.Label(name));
        Assert.Equal(twin, ContenderFamily.Ipv6Twin(name));
        Assert.Equal(direct, ContenderFamily.BaselineFor(name, "direct"));
        Assert.Equal(nftables, ContenderFamily.BaselineFor(name, "nftables"));
        if (twin is not null)
        {
            Assert.Equal(name, ContenderFamily.Ipv4Twin(twin));
        }
    }

    [Fact]
    public void ContenderFamily_Ipv4Twin_OfIpv4Name_IsNull() => Assert.Null(ContenderFamily.Ipv4Twin("l4-nat"));

    [Fact]
    public void ContenderFamily_ApplyDual_EachTwinRightAfterItsIpv4ContenderOthersKept()
    {
        var names = ContenderFamily.Apply(["direct", "l4-nat", "l4-dsr-router2", "l7", "nftables", "l4-nat6"], "dual");

        Assert.Equal(["direct", "direct6", "l4-nat", "l4-nat6", "l4-dsr-router2", "l7", "nftables", "nftables6"], names);
    }

    [Fact]
    public void ContenderFamily_Apply6_ReplacesByTwins_4KeepsTheNames()
    {
        Assert.Equal(["direct6", "l4-fullnat6-w1", "nftables6"], ContenderFamily.Apply(["direct", "l4-fullnat-w1", "nftables6"], "6"));
        Assert.Equal(["direct", "l4-dsr6"], ContenderFamily.Apply(["direct", "l4-dsr6"], "4"));
    }

    [Theory]
    [InlineData("6", "l7, haproxy-tcp cannot run over IPv6")]
    [InlineData("v6", "--family 'v6': use 4, 6, dual")]
    public void ContenderFamily_Apply_Refused_SaysWhy(string family, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => ContenderFamily.Apply(["direct", "l7", "haproxy-tcp"], family));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NftablesDnatRules_Ipv6Vip_Ip6TableDnatToTheBackendsRoundRobin()
    {
        var text = NftablesDnatRules.Text("lbbench6", IPAddress.Parse("fd00:200::100"), 8080, 5353, [IPAddress.Parse("fd00:200::11"), IPAddress.Parse("fd00:200::12")]);

        Assert.StartsWith("table ip6 lbbench6 {", text, StringComparison.Ordinal);
        Assert.Contains("ip6 daddr fd00:200::100 tcp dport 8080 dnat to numgen inc mod 2 map { 0 : fd00:200::11, 1 : fd00:200::12 }", text, StringComparison.Ordinal);
        Assert.Contains("ip6 daddr fd00:200::100 udp dport 5353 dnat to numgen inc mod 2 map { 0 : fd00:200::11, 1 : fd00:200::12 }", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" ip daddr", text, StringComparison.Ordinal);
        // The one-arm balancer must not redirect the backends to the client (their replies would skip the un-DNAT).
        Assert.Contains("type filter hook output priority filter; policy accept;\n    icmpv6 type nd-redirect drop", text, StringComparison.Ordinal);
    }

    [Fact]
    public void NftablesDnatRules_Ipv4Vip_IpTableAsBefore()
    {
        var text = NftablesDnatRules.Text("lbbench", IPAddress.Parse("10.200.0.100"), 8080, 5353, [IPAddress.Parse("10.200.0.11"), IPAddress.Parse("10.200.0.12"), IPAddress.Parse("10.200.0.13")]);

        Assert.StartsWith("table ip lbbench {", text, StringComparison.Ordinal);
        Assert.Contains("ip daddr 10.200.0.100 tcp dport 8080 dnat to numgen inc mod 3 map { 0 : 10.200.0.11, 1 : 10.200.0.12, 2 : 10.200.0.13 }", text, StringComparison.Ordinal);
        Assert.DoesNotContain("icmpv6", text, StringComparison.Ordinal);
    }

    [Fact]
    public void NftablesDnatRules_BackendOfOtherFamily_IsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => NftablesDnatRules.Text("t", IPAddress.Parse("fd00:200::100"), 8080, 5353, [IPAddress.Parse("10.200.0.11")]));

        Assert.Contains("10.200.0.11 is not of the VIP fd00:200::100's family", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void NftablesDnatRules_Ipv6Ruleset_KernelLoadsIt()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: loads the ruleset into a network namespace's nftables");
        Skip.If(LoadBalancer.Balancer.Lab.LabWebServer.FindOnPath("nft") is null, "needs nft (tests/run.sh installs nftables)");
        using var ns = NetworkNamespace.Create("n", "lbb6f");
        var path = Path.Combine(Path.GetTempPath(), $"{ns.Name}-dnat6.nft");
        File.WriteAllText(path, NftablesDnatRules.Text("lbbench6", IPAddress.Parse("fd00:200::100"), 8080, 5353, [IPAddress.Parse("fd00:200::11"), IPAddress.Parse("fd00:200::12")]));
        try
        {
            ns.ExecChecked("nft", "-f", path);
            var listed = ns.ExecChecked("nft", "list", "table", "ip6", "lbbench6");

            Assert.Contains("type nat hook prerouting priority dstnat", listed, StringComparison.Ordinal);
            Assert.Contains("ip6 daddr fd00:200::100 tcp dport 8080 dnat to numgen inc mod 2 map { 0 : fd00:200::11, 1 : fd00:200::12 }", listed, StringComparison.Ordinal);
            Assert.Contains("icmpv6 type nd-redirect drop", listed, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Plan_FamilyDual_ListsEachIpv6TwinAfterItsContenderAndNamesTheBaselines()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [
            BenchRouterLabTests.HarnessDll(), "e2e", "--plan", "--contenders", "direct,l4-nat,l4-dsr,nftables", "--family", "dual", "--workloads", "ka64,1mb,udp",
        ], TimeSpan.FromMinutes(2));
        var text = Regex.Replace(result.StdOut, @"\s+", " ");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("8 contenders (direct, direct6, l4-nat, l4-nat6, l4-dsr, l4-dsr6, nftables, nftables6)", text, StringComparison.Ordinal);
        Assert.Matches(@"l4-nat6 \d+ s \(IPv6\)", text);
        Assert.DoesNotMatch(@"l4-nat \d+ s \(IPv6\)", text);
        Assert.Contains("IPv6 rows: direct6, l4-nat6, l4-dsr6, nftables6 in the dual-stack lab, ratios against direct6 and nftables6", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_Family6WithL7_RefusedWithExit2()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [
            BenchRouterLabTests.HarnessDll(), "e2e", "--plan", "--contenders", "direct,l7", "--family", "6",
        ], TimeSpan.FromMinutes(2));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("l7 cannot run over IPv6", Regex.Replace(result.StdOut + result.StdErr, @"\s+", " "), StringComparison.Ordinal);
    }
}
