using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Cli;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Balancer.Tests.Configuration;

/// <summary>IPv6 L4 services: accepted and parsed, one address family per service, every problem named at once (also through the real `balancer check`).</summary>
public sealed class L4Ipv6ConfigTests
{
    private static readonly ConfigValidationContext Context = ConfigValidationContext.CreateStandalone();

    private static JsonObject Valid() => new()
    {
        ["Balancer"] = new JsonObject { ["Admin"] = new JsonObject { ["Url"] = "http://[::1]:0" } },
        ["L4"] = new JsonObject
        {
            ["Interface"] = "eth0",
            ["SourceAddress6"] = "fe80::1",
            ["Services"] = new JsonObject
            {
                ["web6"] = new JsonObject
                {
                    ["Vip"] = "2001:db8::100", ["Port"] = 80, ["Mode"] = "nat",
                    ["Backends"] = new JsonObject
                    {
                        ["b1"] = new JsonObject { ["Address"] = "2001:db8:2::11" },
                        ["b2"] = new JsonObject { ["Address"] = "2001:db8:2::12", ["Port"] = 8080, ["Weight"] = 3 },
                    },
                },
                ["full6"] = new JsonObject
                {
                    ["Vip"] = "2001:db8::101", ["Port"] = 443, ["Mode"] = "fullnat", ["FullNatSources"] = new JsonArray("2001:db8:2::50", "2001:db8:2::51"),
                    ["Backends"] = new JsonObject { ["f1"] = new JsonObject { ["Address"] = "2001:db8:2::21" } },
                },
                ["tun6"] = new JsonObject
                {
                    ["Vip"] = "2001:db8::102", ["Port"] = 53, ["Protocol"] = "udp", ["Mode"] = "tunnel", ["TunnelSource"] = "2001:db8:2::1",
                    ["Backends"] = new JsonObject { ["t1"] = new JsonObject { ["Address"] = "2001:db8:3::1" } },
                },
                ["web4"] = new JsonObject
                {
                    ["Vip"] = "10.0.0.100", ["Port"] = 80, ["Mode"] = "nat",
                    ["Backends"] = new JsonObject { ["b1"] = new JsonObject { ["Address"] = "10.0.0.11" } },
                },
            },
        },
    };

    private static JsonObject Service(JsonObject c, string name) => (JsonObject)c["L4"]!["Services"]![name]!;

    [Fact]
    public async Task Load_Ipv6Services_ParsedIntoTheirIpv6Members()
    {
        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(Valid()), "t.json", ".", Context);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var l4 = result.Config!.L4Settings;
        Assert.Equal(Ipv6Address.Parse("fe80::1"), l4.SourceAddress6);
        var web = l4.Services["web6"];
        Assert.True(web.IsIpv6);
        Assert.Equal((0u, Ipv6Address.Parse("2001:db8::100")), (web.Vip, web.Vip6));
        Assert.Equal(new L4BackendSettings { Id = "b2", Address = 0, Address6 = Ipv6Address.Parse("2001:db8:2::12"), Port = 8080, Weight = 3 }, web.Backends["b2"]);
        Assert.Equal("2001:db8:2::11", web.Backends["b1"].IPAddress.ToString());
        var full = l4.Services["full6"];
        Assert.Equal([Ipv6Address.Parse("2001:db8:2::50"), Ipv6Address.Parse("2001:db8:2::51")], full.FullNatSources6);
        Assert.Empty(full.FullNatSources);
        var tun = l4.Services["tun6"];
        Assert.Equal((ForwardingModeKind.Tunnel, Ipv6Address.Parse("2001:db8:2::1"), 0u), (tun.Mode, tun.TunnelSource6, tun.TunnelSource));
        Assert.False(l4.Services["web4"].IsIpv6);
        Assert.Equal(0x0A00_0064u, l4.Services["web4"].Vip);
    }

    [Fact]
    public async Task Load_AnnounceOnIpv6Services_ServiceKeyThenAnnounceEnabledLikeIpv4()
    {
        var config = Valid();
        config["L4"]!["Announce"] = new JsonObject { ["Enabled"] = true };
        Service(config, "full6")["Announce"] = false;

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "t.json", ".", Context);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var services = result.Config!.L4Settings.Services;
        Assert.Equal((true, false, true, true), (services["web6"].Announce, services["full6"].Announce, services["tun6"].Announce, services["web4"].Announce));
    }

    public static TheoryData<string, Action<JsonObject>, string, string, string> BadConfigs() => new()
    {
        { "IPv4 backend under an IPv6 VIP", c => Service(c, "web6")["Backends"]!["b1"]!["Address"] = "10.0.0.11",
            "L4:Services:web6:Backends:b1:Address", "10.0.0.11", "is IPv4 but the VIP '2001:db8::100' is IPv6" },
        { "IPv6 backend under an IPv4 VIP", c => Service(c, "web4")["Backends"]!["b1"]!["Address"] = "2001:db8:2::11",
            "L4:Services:web4:Backends:b1:Address", "2001:db8:2::11", "is IPv6 but the VIP '10.0.0.100' is IPv4" },
        { "IPv4 full-NAT source under an IPv6 VIP", c => Service(c, "full6")["FullNatSources"]![1] = "10.0.0.50",
            "L4:Services:full6:FullNatSources:1", "10.0.0.50", "is IPv4 but the VIP '2001:db8::101' is IPv6" },
        { "IPv4 tunnel source under an IPv6 VIP", c => Service(c, "tun6")["TunnelSource"] = "10.0.0.3",
            "L4:Services:tun6:TunnelSource", "10.0.0.3", "is IPv4 but the VIP '2001:db8::102' is IPv6" },
        { "link-local VIP", c => Service(c, "web6")["Vip"] = "fe80::100", "L4:Services:web6:Vip", "fe80::100", "is not a unicast IPv4 or global IPv6 address" },
        { "multicast VIP", c => Service(c, "web6")["Vip"] = "ff05::1", "L4:Services:web6:Vip", "ff05::1", "is not a unicast IPv4 or global IPv6 address" },
        { "loopback VIP", c => Service(c, "web6")["Vip"] = "::1", "L4:Services:web6:Vip", "::1", "is not a unicast IPv4 or global IPv6 address" },
        { "IPv4-mapped backend", c => Service(c, "web6")["Backends"]!["b1"]!["Address"] = "::ffff:10.0.0.11",
            "L4:Services:web6:Backends:b1:Address", "::ffff:10.0.0.11", "is not a unicast global IPv6 address" },
        { "backend is an IPv6 VIP", c => Service(c, "web6")["Backends"]!["b1"]!["Address"] = "2001:db8::101",
            "L4:Services:web6:Backends:b1:Address", "2001:db8::101", "is a VIP of this balancer" },
        { "two IPv6 services on one VIP:port", c => c["L4"]!["Services"]!["again"] = Service(c, "web6").DeepClone(),
            "L4:Services:again:Vip", "2001:db8::100", "with port 80/tcp is already the VIP of L4:Services:web6" },
        { "client-address option over IPv6", c => Service(c, "full6")["ClientAddressOption"] = true,
            "L4:Services:full6:ClientAddressOption", "true", "needs an IPv4 VIP" },
        { "bad IPv6 source address", c => c["L4"]!["SourceAddress6"] = "ff02::1", "L4:SourceAddress6", "ff02::1", "is not a unicast IPv6 address" },
        { "IPv4 address as Gateway6", c => c["L4"]!["Gateway6"] = "10.0.0.1", "L4:Gateway6", "10.0.0.1", "is not a unicast IPv6 address" },
        { "multicast Gateway6", c => c["L4"]!["Gateway6"] = "ff02::2", "L4:Gateway6", "ff02::2", "is not a unicast IPv6 address" },
        { "unspecified Gateway6", c => c["L4"]!["Gateway6"] = "::", "L4:Gateway6", "::", "is not a unicast IPv6 address" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs), DisableDiscoveryEnumeration = true)]
    public async Task Load_BadIpv6Config_NamesKeyValueAndReason(string kind, Action<JsonObject> breakIt, string path, string value, string message)
    {
        var config = Valid();
        breakIt(config);

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "t.json", ".", Context);

        Assert.False(result.IsValid, kind);
        var error = Assert.Single(result.Errors);
        Assert.Equal((path, value), (error.Path, error.Value));
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fe80::1")]
    [InlineData("2001:db8:2::1")]
    public async Task Load_Gateway6LinkLocalOrGlobal_Parsed(string gateway)
    {
        var config = Valid();
        config["L4"]!["Gateway6"] = gateway;

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "t.json", ".", Context);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(Ipv6Address.Parse(gateway), result.Config!.L4Settings.Gateway6);
    }

    [Fact]
    public async Task Check_BadGateway6AndBadSource6_BothNamedThroughTheRealCli()
    {
        using var dir = new TempDir();
        var config = Valid();
        config["L4"]!["Gateway6"] = "2001:db8::zz";
        config["L4"]!["SourceAddress6"] = "ff02::1";
        var bad = dir.File("gw6.json", ConfigJson.Text(config));

        var run = await BalancerProcess.RunAsync(TimeSpan.FromSeconds(60), "check", "--config", bad);

        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Contains("2 problem(s)", run.Stderr);
        Assert.Contains("L4:Gateway6: '2001:db8::zz' is not a unicast IPv6 address", run.Stderr);
        Assert.Contains("L4:SourceAddress6: 'ff02::1' is not a unicast IPv6 address", run.Stderr);
    }

    [Fact]
    public async Task Check_MixedFamiliesAndL7OnIpv6_EveryProblemAtOnceThroughTheRealCli()
    {
        using var dir = new TempDir();
        var config = Valid();
        Service(config, "web6")["Backends"]!["b1"]!["Address"] = "10.0.0.11";
        Service(config, "web4")["Backends"]!["b1"]!["Address"] = "2001:db8:2::11";
        Service(config, "full6")["FullNatSources"]![0] = "10.0.0.50";
        var bad = dir.File("mixed.json", ConfigJson.Text(config));
        var good = dir.File("good.json", ConfigJson.Text(Ipv6Front(Valid())));

        var badRun = await BalancerProcess.RunAsync(TimeSpan.FromSeconds(60), "check", "--config", bad);
        var goodRun = await BalancerProcess.RunAsync(TimeSpan.FromSeconds(60), "check", "--config", good);

        Assert.Equal(ExitCodes.BadInput, badRun.ExitCode);
        Assert.Contains("3 problem(s)", badRun.Stderr);
        Assert.Contains("L4:Services:web6:Backends:b1:Address: '10.0.0.11' is IPv4 but the VIP '2001:db8::100' is IPv6", badRun.Stderr);
        Assert.Contains("L4:Services:web4:Backends:b1:Address: '2001:db8:2::11' is IPv6 but the VIP '10.0.0.100' is IPv4", badRun.Stderr);
        Assert.Contains("L4:Services:full6:FullNatSources:0: '10.0.0.50' is IPv4 but the VIP '2001:db8::101' is IPv6", badRun.Stderr);
        Assert.True(goodRun.ExitCode == ExitCodes.Ok, goodRun.Stderr + goodRun.Stdout);
    }

    /// <summary>The config plus an L7 front listening on [::]:8080 and [::1]:8081 (YARP routes to an IPv6 destination).</summary>
    private static JsonObject Ipv6Front(JsonObject config)
    {
        config["Balancer"]!["Listeners"] = JsonNode.Parse("""[ { "Url": "http://[::]:8080" }, { "Url": "http://[::1]:8081" } ]""");
        config["ReverseProxy"] = JsonNode.Parse("""
            { "Routes": { "r": { "ClusterId": "web", "Match": { "Path": "{**all}" } } },
              "Clusters": { "web": { "Destinations": { "d0": { "Address": "http://[2001:db8:2::11]:80/" } } } } }
            """);
        return config;
    }
}
