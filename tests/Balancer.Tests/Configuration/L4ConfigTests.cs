using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Selection;

namespace LoadBalancer.Balancer.Tests.Configuration;

/// <summary>The L4 section: every bad value is named with its key path, all at once.</summary>
public sealed class L4ConfigTests
{
    private static readonly ConfigValidationContext Context = ConfigValidationContext.CreateStandalone();

    private static JsonObject Valid() => new()
    {
        ["Balancer"] = new JsonObject { ["Admin"] = new JsonObject { ["Url"] = "http://127.0.0.1:0" } },
        ["L4"] = new JsonObject
        {
            ["Interface"] = "eth0",
            ["Services"] = new JsonObject
            {
                ["web"] = new JsonObject
                {
                    ["Vip"] = "10.0.0.100", ["Port"] = 80, ["Mode"] = "nat",
                    ["Backends"] = new JsonObject
                    {
                        ["b1"] = new JsonObject { ["Address"] = "10.0.0.11" },
                        ["b2"] = new JsonObject { ["Address"] = "10.0.0.12", ["Port"] = 8080, ["Weight"] = 3 },
                    },
                },
            },
        },
    };

    private static JsonObject Web(JsonObject c) => (JsonObject)c["L4"]!["Services"]!["web"]!;

    public static TheoryData<string, Action<JsonObject>, string, string?> BadConfigs() => new()
    {
        { "VIP not an address", c => Web(c)["Vip"] = "10.0.0", "L4:Services:web:Vip", "10.0.0" },
        { "VIP multicast", c => Web(c)["Vip"] = "224.0.0.5", "L4:Services:web:Vip", "224.0.0.5" },
        { "unknown mode", c => Web(c)["Mode"] = "magic", "L4:Services:web:Mode", "magic" },
        { "unknown selector", c => Web(c)["Selector"] = "random", "L4:Services:web:Selector", "random" },
        { "bad protocol", c => Web(c)["Protocol"] = "sctp", "L4:Services:web:Protocol", "sctp" },
        { "port out of range", c => Web(c)["Port"] = 70000, "L4:Services:web:Port", "70000" },
        { "fullnat without sources", c => Web(c)["Mode"] = "fullnat", "L4:Services:web:FullNatSources", null },
        { "dsr with a port rewrite", c => Web(c)["Mode"] = "dsr", "L4:Services:web:Backends:b2:Port", "8080" },
        { "backend not an address", c => Web(c)["Backends"]!["b1"]!["Address"] = "backend-1", "L4:Services:web:Backends:b1:Address", "backend-1" },
        { "weight too big", c => Web(c)["Backends"]!["b2"]!["Weight"] = 5000, "L4:Services:web:Backends:b2:Weight", "5000" },
        { "backend is the VIP", c => Web(c)["Backends"]!["b1"]!["Address"] = "10.0.0.100", "L4:Services:web:Backends:b1:Address", "10.0.0.100" },
        { "no interface", c => ((JsonObject)c["L4"]!).Remove("Interface"), "L4:Interface", null },
        { "bad table size", c => c["L4"]!["ConnectionTable"] = new JsonObject { ["Capacity"] = 1 }, "L4:ConnectionTable:Capacity", "1" },
        { "bad table policy", c => c["L4"]!["ConnectionTable"] = new JsonObject { ["WhenFull"] = "Panic" }, "L4:ConnectionTable:WhenFull", "Panic" },
        { "two services on one VIP:port", c => c["L4"]!["Services"]!["web2"] = Web(c).DeepClone(), "L4:Services:web2:Vip", "10.0.0.100" },
        { "datapath check on nat", c => c["Health"] = JsonNode.Parse("""{ "Pools": { "web": { "Check": { "Probe": "datapath" } } } }"""), "Health:Pools:web:Check:Probe", "datapath" },
        { "no workers", c => c["L4"]!["Workers"] = 0, "L4:Workers", "0" },
        { "too many workers", c => c["L4"]!["Workers"] = 17, "L4:Workers", "17" },
        { "unknown transmit", c => c["L4"]!["Io"] = new JsonObject { ["Transmit"] = "xdp" }, "L4:Io:Transmit", "xdp" },
        { "batch of zero", c => c["L4"]!["Io"] = new JsonObject { ["BatchSize"] = 0 }, "L4:Io:BatchSize", "0" },
        { "batch too big", c => c["L4"]!["Io"] = new JsonObject { ["BatchSize"] = 4096 }, "L4:Io:BatchSize", "4096" },
        { "ring too small", c => c["L4"]!["Io"] = new JsonObject { ["RingFrames"] = 8 }, "L4:Io:RingFrames", "8" },
        { "receive buffer of zero", c => c["L4"]!["Io"] = new JsonObject { ["ReceiveBufferMiB"] = 0 }, "L4:Io:ReceiveBufferMiB", "0" },
        { "receive buffer too big", c => c["L4"]!["Io"] = new JsonObject { ["ReceiveBufferMiB"] = 4096 }, "L4:Io:ReceiveBufferMiB", "4096" },
        { "unknown io key", c => c["L4"]!["Io"] = new JsonObject { ["Batch"] = 8 }, "L4:Io:Batch", null },
        { "health pool of nothing", c => c["Health"] = JsonNode.Parse("""{ "Pools": { "nope": { } } }"""), "Health:Pools:nope", null },
    };

    [Theory]
    [MemberData(nameof(BadConfigs), DisableDiscoveryEnumeration = true)]
    public async Task Load_BadL4Config_NamesKeyAndValue(string kind, Action<JsonObject> breakIt, string expectedPath, string? expectedValue)
    {
        var config = Valid();
        breakIt(config);

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "t.json", ".", Context);

        Assert.False(result.IsValid, kind);
        var error = Assert.Single(result.Errors, e => e.Path == expectedPath);
        Assert.Equal(expectedValue, error.Value);
    }

    [Fact]
    public async Task Load_ValidL4_BindsDefaults()
    {
        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(Valid()), "t.json", ".", Context);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var web = result.Config!.L4.Services["web"];
        Assert.Equal("maglev", web.Selector);
        Assert.Equal("tcp", web.Protocol);
        Assert.Equal(65_536, result.Config.L4.ConnectionTable.Capacity);
        Assert.Equal(3, web.Backends["b2"].Weight);
        var io = result.Config.L4.Io.ToOptions();
        Assert.Equal(LoadBalancer.Balancer.L4.Interop.TransmitKind.Ring, io.Kind);
        Assert.Equal(64, io.BatchSize);
        Assert.False(io.QdiscBypass);
        Assert.True(io.SeparateSynQueue);
        Assert.Equal(16 << 20, io.ReceiveBufferBytes);
        Assert.InRange(result.Config.L4.EffectiveWorkers, 1, 16);
    }

    [Theory]
    [InlineData("leastconn")]
    [InlineData("LeastConn")]
    public async Task Load_LeastConnOnL4_Accepted(string selector)
    {
        var config = Valid();
        Web(config)["Selector"] = selector;

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "t.json", ".", Context);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(selector, result.Config!.L4.Services["web"].Selector);
    }

    [Theory]
    [InlineData("tunnel")]
    [InlineData("dsr")]
    public async Task Load_DataPathCheckOnTunnelOrDsr_Accepted(string mode)
    {
        var config = Valid();
        Web(config)["Mode"] = mode;
        ((JsonObject)Web(config)["Backends"]!["b2"]!).Remove("Port");
        config["Health"] = JsonNode.Parse("""{ "Pools": { "web": { "Check": { "Probe": "datapath" } } } }""");

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "t.json", ".", Context);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Fact]
    public async Task Load_BadIoAndWorkers_AllNamedWithTheirRangeAtOnce()
    {
        var config = Valid();
        config["L4"]!["Workers"] = 32;
        config["L4"]!["Io"] = new JsonObject { ["Transmit"] = "turbo", ["BatchSize"] = 0, ["RingFrames"] = 1_000_000, ["QdiscBypass"] = true };

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "t.json", ".", Context);

        var messages = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Equal(4, result.Errors.Count);
        Assert.Contains(messages, m => m.Contains("L4:Workers") && m.Contains("'32'") && m.Contains("from 1 to 16"));
        Assert.Contains(messages, m => m.Contains("L4:Io:Transmit") && m.Contains("'turbo'") && m.Contains("ring, sendmmsg or pcap"));
        Assert.Contains(messages, m => m.Contains("L4:Io:BatchSize") && m.Contains("'0'") && m.Contains("from 1 to 1024"));
        Assert.Contains(messages, m => m.Contains("L4:Io:RingFrames") && m.Contains("'1000000'") && m.Contains("from 16 to 65536"));
    }

    [Fact]
    public async Task Load_IoSettings_Bound()
    {
        var config = Valid();
        config["L4"]!["Workers"] = 2;
        config["L4"]!["Io"] = new JsonObject { ["Transmit"] = "Ring", ["BatchSize"] = 256, ["RingFrames"] = 4096, ["QdiscBypass"] = true, ["ReceiveBufferMiB"] = 64, ["SynQueue"] = false };

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "t.json", ".", Context);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var io = result.Config!.L4.Io.ToOptions();
        Assert.Equal(new LoadBalancer.Balancer.L4.Interop.TransmitOptions { Kind = LoadBalancer.Balancer.L4.Interop.TransmitKind.Ring, BatchSize = 256, RingFrames = 4096, QdiscBypass = true, ReceiveBufferBytes = 64 << 20, SeparateSynQueue = false }, io);
        Assert.Equal(2, result.Config.L4.EffectiveWorkers);
    }

    [Fact]
    public async Task Load_ValidL4_ParsesOnceIntoTypedSettings()
    {
        var config = Valid();
        Web(config)["Protocol"] = "UDP";
        Web(config)["Selector"] = "WRR";
        config["L4"]!["Services"]!["tun"] = new JsonObject
        {
            ["Vip"] = "10.0.0.101", ["Port"] = 443, ["Mode"] = "ipip", ["TunnelSource"] = "10.0.0.3",
            ["Backends"] = new JsonObject { ["t1"] = new JsonObject { ["Address"] = "10.9.0.1" } },
        };
        config["L4"]!["Services"]!["full"] = new JsonObject
        {
            ["Vip"] = "10.0.0.102", ["Port"] = 25, ["Mode"] = "fullnat", ["FullNatSources"] = new JsonArray("10.0.0.50", "10.0.0.51"),
            ["MssClamp"] = "Fixed", ["Mss"] = 1400,
            ["Backends"] = new JsonObject { ["f1"] = new JsonObject { ["Address"] = "10.0.0.21", ["Port"] = 2525 } },
        };
        config["L4"]!["Gateway"] = "10.0.0.1";

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "t.json", ".", Context);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var l4 = result.Config!.L4Settings;
        Assert.Equal(["web", "tun", "full"], l4.Services.Keys);
        Assert.Equal("eth0", l4.Interface);
        Assert.Equal(0x0A00_0001u, l4.Gateway);
        Assert.Equal(0u, l4.SourceAddress);
        var web = l4.Services["web"];
        Assert.Equal((0x0A00_0064u, (ushort)80, L4Protocol.Udp, ForwardingModeKind.Nat, BackendSelectorKind.WeightedRoundRobin, MssClampMode.Off),
            (web.Vip, web.Port, web.Protocol, web.Mode, web.Selector, web.MssClamp));
        Assert.Equal(new L4BackendSettings { Id = "b1", Address = 0x0A00_000Bu, Port = 80, Weight = 1 }, web.Backends["b1"]);
        Assert.Equal(new L4BackendSettings { Id = "b2", Address = 0x0A00_000Cu, Port = 8080, Weight = 3 }, web.Backends["b2"]);
        var tun = l4.Services["tun"];
        Assert.Equal((ForwardingModeKind.Tunnel, MssClampMode.SubtractOverhead, 0x0A00_0003u), (tun.Mode, tun.MssClamp, tun.TunnelSource));
        var full = l4.Services["full"];
        Assert.Equal((ForwardingModeKind.FullNat, MssClampMode.Fixed, (ushort)1400), (full.Mode, full.MssClamp, full.Mss));
        Assert.Equal([0x0A00_0032u, 0x0A00_0033u], full.FullNatSources);
        Assert.Equal("10.0.0.21", full.Backends["f1"].IPAddress.ToString());
    }

    [Fact]
    public void Parse_BadConfigInCode_ThrowsListingEveryProblem()
    {
        var bad = new L4Config
        {
            Interface = "eth0",
            Services = new Dictionary<string, L4ServiceConfig>
            {
                ["web"] = new() { Vip = "10.0.0", Port = 80, Protocol = "sctp", Backends = new Dictionary<string, L4BackendConfig> { ["b1"] = new() { Address = "10.0.0.11" } } },
            },
        };

        var e = Assert.Throws<ArgumentException>(() => L4Settings.Parse(bad));

        Assert.Contains("L4:Services:web:Vip: '10.0.0'", e.Message);
        Assert.Contains("L4:Services:web:Protocol: 'sctp'", e.Message);
    }
}
