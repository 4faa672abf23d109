using System.Text.Json;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.Readme;
using Xunit;

namespace LoadBalancer.Balancer.Tests.Lab;

/// <summary>The balancer config `lab up` writes: the shipped configs' service for IPv4, the same shape for IPv6.</summary>
public sealed class LabBalancerConfigTests
{
    [Theory]
    [InlineData(LabMode.Nat, "l4-nat.json")]
    [InlineData(LabMode.FullNat, "l4-fullnat.json")]
    [InlineData(LabMode.Tunnel, "l4-tunnel.json")]
    [InlineData(LabMode.Dsr, "l4-dsr.json")]
    public async Task Build_Family4_IsTheShippedConfigAndValid(LabMode mode, string shipped)
    {
        var text = LabBalancerConfig.Build(LabLayout.For(new LabOptions("x", 2, mode)));

        var generated = JsonNode.Parse(text)!;
        var expected = JsonNode.Parse(
            File.ReadAllText(Path.Combine(ReadmeDocument.RepoRoot, "configs", shipped)),
            documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!;
        Assert.True(JsonNode.DeepEquals(expected, generated), $"generated:\n{text}");
        var result = await ConfigLoader.LoadTextAsync(text, "lab.json", ".", ConfigValidationContext.CreateStandalone());
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Theory]
    [InlineData(LabMode.Nat)]
    [InlineData(LabMode.FullNat)]
    [InlineData(LabMode.Tunnel)]
    [InlineData(LabMode.Dsr)]
    public void Build_Dual_Ipv6ServiceHasTheIpv4ServicesShapeWithIpv6Addresses(LabMode mode)
    {
        var config = JsonNode.Parse(LabBalancerConfig.Build(LabLayout.For(new LabOptions("x", 3, mode) { Family = LabFamily.Dual })))!;

        var services = config["L4"]!["Services"]!.AsObject();
        Assert.Equal(["web", "web6"], services.Select(s => s.Key));
        var web = services["web"]!.AsObject();
        var web6 = services["web6"]!.AsObject();
        Assert.Equal("fd00:200::100", (string?)web6["Vip"]);
        Assert.Equal(["fd00:200::11", "fd00:200::12", "fd00:200::13"], web6["Backends"]!.AsObject().Select(b => (string?)b.Value!["Address"]));
        // Same keys and the same values except addresses; tunnel names its IPv6 outer source.
        var keys6 = web6.Select(p => p.Key).Where(k => k != "TunnelSource");
        Assert.Equal(web.Select(p => p.Key), keys6);
        foreach (var key in new[] { "Port", "Protocol", "Mode", "Selector", "NonSynMiss" })
        {
            Assert.True(JsonNode.DeepEquals(web[key], web6[key]), key);
        }

        // The same check, except that the IPv6 tunnel service is probed through its data path (IPv6-in-IPv6 to the decapsulator).
        var pool6 = config["Health"]!["Pools"]!["web6"]!.DeepClone();
        Assert.Equal(mode is LabMode.Dsr or LabMode.Tunnel ? "datapath" : "tcp", (string?)pool6["Check"]!["Probe"]);
        pool6["Check"]!["Probe"] = (string?)config["Health"]!["Pools"]!["web"]!["Check"]!["Probe"];
        Assert.True(JsonNode.DeepEquals(config["Health"]!["Pools"]!["web"], pool6));
        Assert.Equal(mode == LabMode.FullNat ? "fd00:200::3" : null, (string?)web6["FullNatSources"]?[0]);
        Assert.Equal(mode == LabMode.Tunnel ? "fd00:200::2" : null, (string?)web6["TunnelSource"]);
    }

    [Fact]
    public void Build_Family6_HasOnlyTheIpv6Service()
    {
        var config = JsonNode.Parse(LabBalancerConfig.Build(LabLayout.For(new LabOptions("x", 2, LabMode.FullNat) { Family = LabFamily.Ipv6 })))!;

        Assert.Equal(["web6"], config["L4"]!["Services"]!.AsObject().Select(s => s.Key));
        Assert.Equal(["web6"], config["Health"]!["Pools"]!.AsObject().Select(s => s.Key));
        Assert.Equal("fd00:200::3", (string?)config["L4"]!["Services"]!["web6"]!["FullNatSources"]![0]);
    }

    [Fact]
    public void For_Dual_GivesDocumentedIpv6AddressesBesideTheIpv4Ones()
    {
        var layout = LabLayout.For(new LabOptions("x", 2, LabMode.Dsr) { Family = LabFamily.Dual });
        var routed = LabLayout.For(new LabOptions("x", 2, LabMode.Dsr) { Family = LabFamily.Dual, Balancers = 2 });

        Assert.Equal("fd00:201::1", layout.Client.Address6.ToString());
        Assert.Equal("fd00:200::2", layout.Balancer.Address6.ToString());
        Assert.Equal("fd00:201::2", layout.ClientSideAddress6.ToString());
        Assert.Equal(["fd00:200::11", "fd00:200::12"], layout.Backends.Select(b => b.Address6.ToString()));
        Assert.Equal("fd00:200::100", layout.Vip6.ToString());
        Assert.Equal("10.200.0.11", layout.Backends[0].Address.ToString());
        Assert.Equal("fd00:200::1", routed.Router!.Address6.ToString());
        Assert.Equal(["fd00:200::201", "fd00:200::202"], routed.Balancers.Select(b => b.Address6.ToString()));
        Assert.Equal("fd00:201::254", routed.ClientSideAddress6.ToString());
        Assert.Equal("fd00:200::222", LabLayout.FullNatSourceOf6(2).ToString());
    }

    [Theory]
    [InlineData("up --family 6", LabFamily.Ipv6)]
    [InlineData("up --family dual --mode tunnel", LabFamily.Dual)]
    [InlineData("up", LabFamily.Ipv4)]
    public void Parse_Family_MapsToLabFamily(string line, LabFamily expected)
    {
        var result = LabCommand.Create().Parse(line);

        Assert.Empty(result.Errors);
        Assert.Equal(expected, LabCommand.ParseFamily(result.GetValue<string>("--family")));
    }

    [Fact]
    public void Parse_BadFamily_IsAnError()
    {
        var result = LabCommand.Create().Parse("up --family 5");

        Assert.NotEmpty(result.Errors);
    }

    [Theory]
    [InlineData(LabFamily.Ipv4, true, false)]
    [InlineData(LabFamily.Ipv6, false, true)]
    [InlineData(LabFamily.Dual, true, true)]
    public void BirdConfigs_PerFamily_KeepOnlyThatFamilysProtocolsAndFillEveryValue(LabFamily family, bool ipv4, bool ipv6)
    {
        var values = new Dictionary<string, string>
        {
            ["ROUTER_ID"] = "10.200.0.1", ["ROUTER_ADDRESS"] = "10.200.0.1", ["INTERFACE"] = "eth0", ["BALANCER_NET"] = "10.200.0.0/24",
            ["TABLE"] = "200", ["ROUTER_ADDRESS6"] = "fd00:200::1", ["BALANCER_NET6"] = "fd00:200::/64",
            ["ADDRESS"] = "10.200.0.201", ["ADDRESS6"] = "fd00:200::201",
        };

        var balancer = LabTopology.Fill("bird-balancer.conf", values, family);
        var router = LabTopology.Fill("bird-router.conf", values, family);

        Assert.Equal(ipv4, balancer.Contains("protocol bgp uplink {", StringComparison.Ordinal));
        Assert.Equal(ipv4, balancer.Contains("ipv4 { import all; export none; };", StringComparison.Ordinal));
        Assert.Equal(ipv6, balancer.Contains("protocol bgp uplink6 {", StringComparison.Ordinal));
        Assert.Equal(ipv6, balancer.Contains("neighbor fd00:200::1 as 65000;", StringComparison.Ordinal));
        Assert.Equal(ipv6, balancer.Contains("ipv6 { import all; export none; };", StringComparison.Ordinal));
        Assert.Equal(ipv4, router.Contains("neighbor range 10.200.0.0/24 as 65001;", StringComparison.Ordinal));
        Assert.Equal(ipv6, router.Contains("neighbor range fd00:200::/64 as 65001;", StringComparison.Ordinal));
        Assert.Equal(ipv6, router.Contains("ipv6 { import none; export all; };", StringComparison.Ordinal));
        foreach (var text in new[] { balancer, router })
        {
            var lines = text.Split('\n').Select(l => l.Trim()).ToList();
            Assert.DoesNotContain(lines, l => !l.StartsWith('#') && l.Contains('@', StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l is "# [ipv4]" or "# [ipv6]" or "# [end]");
            Assert.Equal(text.Count(c => c == '{'), text.Count(c => c == '}'));
        }

        // Where BIRD is installed, it parses both (bird -p: parse the config and exit).
        if (LabWebServer.FindOnPath("bird") is { } bird)
        {
            using var dir = new TestSupport.TempDir();
            foreach (var (name, text) in new[] { ("balancer", balancer), ("router", router) })
            {
                var result = LoadBalancer.Balancer.Tools.ProcessRunner.Run(bird, ["-p", "-c", dir.File($"{name}.conf", text)]);
                Assert.True(result.Ok, $"bird -p {name} ({family}): {result.StdErr}");
            }
        }
    }
}
