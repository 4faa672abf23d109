using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.Configuration;

/// <summary>`check` on the client-address option keys: the L4 service switch and the listener's source and trusted peers.</summary>
public sealed class ClientAddressConfigTests
{
    private static readonly ConfigValidationContext Context = ConfigValidationContext.CreateStandalone();

    private static JsonObject WithEveryMistake()
    {
        var c = ConfigJson.Basic(["http://127.0.0.1:5001/"]);
        c["Balancer"]!["Listeners"] = new JsonArray(
            new JsonObject { ["Url"] = "http://127.0.0.1:8081", ["ClientAddressFrom"] = "toa" },
            new JsonObject { ["Url"] = "http://127.0.0.1:8082", ["ClientAddressFrom"] = "tcp-option" },
            new JsonObject { ["Url"] = "http://127.0.0.1:8083", ["ClientAddressFrom"] = "tcp-option", ["ClientAddressTrusted"] = new JsonArray("10.0.0.0/33", "10.0.0.3", "lb.example") },
            new JsonObject { ["Url"] = "http://127.0.0.1:8084", ["ClientAddressTrusted"] = new JsonArray("10.0.0.3") },
            new JsonObject
            {
                ["Url"] = "http://127.0.0.1:8085", ["ClientAddressFrom"] = "tcp-option", ["ClientAddressTrusted"] = new JsonArray("10.0.0.3"),
                ["ProxyProtocol"] = "v2", ["ProxyProtocolTrusted"] = new JsonArray("10.0.0.3"),
            });
        c["L4"] = JsonNode.Parse("""
            { "Interface": "eth0", "Services": {
                "nat": { "Vip": "10.0.0.100", "Port": 80, "Mode": "nat", "ClientAddressOption": true, "Backends": { "b1": { "Address": "10.0.0.11" } } },
                "udp": { "Vip": "10.0.0.100", "Port": 53, "Protocol": "udp", "Mode": "fullnat", "FullNatSources": [ "10.0.0.3" ], "ClientAddressOption": true,
                         "Backends": { "b1": { "Address": "10.0.0.11" } } } } }
            """);
        return c;
    }

    private static readonly (string Path, string? Value)[] ExpectedErrors =
    [
        ("Balancer:Listeners:0:ClientAddressFrom", "toa"),
        ("Balancer:Listeners:1:ClientAddressTrusted", null),
        ("Balancer:Listeners:2:ClientAddressTrusted:0", "10.0.0.0/33"),
        ("Balancer:Listeners:2:ClientAddressTrusted:2", "lb.example"),
        ("Balancer:Listeners:3:ClientAddressTrusted", "10.0.0.3"),
        ("Balancer:Listeners:4:ClientAddressFrom", "tcp-option"),
        ("L4:Services:nat:ClientAddressOption", "true"),
        ("L4:Services:udp:ClientAddressOption", "true"),
    ];

    [Fact]
    public async Task Load_EveryBadClientAddressKey_IsReportedAtOnceWithPathAndValue()
    {
        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(WithEveryMistake()), "test.json", Path.GetTempPath(), Context);

        Assert.False(result.IsValid);
        foreach (var (path, value) in ExpectedErrors)
        {
            Assert.True(result.Errors.Any(e => e.Path == path && (value is null || e.Value == value)), $"no error {path} = {value}: {string.Join("; ", result.Errors)}");
        }
        Assert.Equal(ExpectedErrors.Length, result.Errors.Count);
        Assert.Contains(result.Errors, e => e.Path == "L4:Services:udp:ClientAddressOption" && e.Message.Contains("fullnat, udp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Load_GoodClientAddressKeys_AreValidAndParsed()
    {
        var c = ConfigJson.Basic(["http://127.0.0.1:5001/"]);
        c["Balancer"]!["Listeners"]![0]!["ClientAddressFrom"] = "tcp-option";
        c["Balancer"]!["Listeners"]![0]!["ClientAddressTrusted"] = new JsonArray("10.200.0.3", "10.201.0.0/24");
        c["L4"] = JsonNode.Parse("""
            { "Interface": "eth0", "Services": { "web": { "Vip": "10.0.0.100", "Port": 80, "Mode": "fullnat", "FullNatSources": [ "10.0.0.3" ],
              "ClientAddressOption": true, "Backends": { "b1": { "Address": "10.0.0.11" } } } } }
            """);

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(c), "test.json", Path.GetTempPath(), Context);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.True(result.Config!.L4Settings.Services["web"].ClientAddressOption);
        Assert.True(ClientAddressSettings.TryParse(result.Config.Balancer.Listeners[0].ClientAddressFrom, out var source));
        Assert.Equal(ClientAddressSource.TcpOption, source);
    }

    [Fact]
    public async Task Check_BadKeys_ExitsNonZeroNamingThem()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.json", ConfigJson.Text(WithEveryMistake()));

        var r = await BalancerProcess.RunAsync(TimeSpan.FromMinutes(1), "check", "--config", path);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Balancer:Listeners:0:ClientAddressFrom", r.Stdout + r.Stderr, StringComparison.Ordinal);
        Assert.Contains("L4:Services:nat:ClientAddressOption", r.Stdout + r.Stderr, StringComparison.Ordinal);
    }
}
