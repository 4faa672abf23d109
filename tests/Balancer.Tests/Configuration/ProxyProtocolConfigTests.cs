using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.Configuration;

/// <summary>`check` on the PROXY protocol keys: listener, trusted networks, cluster metadata, health check.</summary>
public sealed class ProxyProtocolConfigTests
{
    private static JsonObject WithEveryMistake()
    {
        var c = ConfigJson.Basic(["http://127.0.0.1:5001/"]);
        c["Balancer"]!["Listeners"] = new JsonArray(
            new JsonObject { ["Url"] = "http://127.0.0.1:8081", ["ProxyProtocol"] = "v3" },
            new JsonObject { ["Url"] = "http://127.0.0.1:8082", ["ProxyProtocol"] = "v1" },
            new JsonObject { ["Url"] = "http://127.0.0.1:8083", ["ProxyProtocol"] = "any", ["ProxyProtocolTrusted"] = new JsonArray("10.0.0.0/33", "10.0.0.0/8", "proxy.example") },
            new JsonObject { ["Url"] = "http://127.0.0.1:8084", ["ProxyProtocolTrusted"] = new JsonArray("10.0.0.0/8") });
        ConfigJson.Cluster(c)["Metadata"] = new JsonObject { ["ProxyProtocol"] = "v9" };
        c["Health"] = new JsonObject { ["Pools"] = new JsonObject { ["web"] = new JsonObject { ["Check"] = new JsonObject { ["ProxyProtocol"] = "yes" } } } };
        return c;
    }

    private static readonly (string Path, string? Value)[] ExpectedErrors =
    [
        ("Balancer:Listeners:0:ProxyProtocol", "v3"),
        ("Balancer:Listeners:1:ProxyProtocolTrusted", null),
        ("Balancer:Listeners:2:ProxyProtocolTrusted:0", "10.0.0.0/33"),
        ("Balancer:Listeners:2:ProxyProtocolTrusted:2", "proxy.example"),
        ("Balancer:Listeners:3:ProxyProtocolTrusted", "10.0.0.0/8"),
        ("ReverseProxy:Clusters:web:Metadata:ProxyProtocol", "v9"),
        ("Health:Pools:web:Check:ProxyProtocol", null),
    ];

    [Fact]
    public async Task Load_EveryBadProxyProtocolKey_IsReportedAtOnceWithPathAndValue()
    {
        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(WithEveryMistake()), "test.json", Path.GetTempPath(), ConfigValidationContext.CreateStandalone());

        Assert.False(result.IsValid);
        foreach (var (path, value) in ExpectedErrors)
        {
            Assert.Contains(result.Errors, e => e.Path == path && (value is null || e.Value == value));
        }
        Assert.Equal(ExpectedErrors.Length, result.Errors.Count);
        Assert.Contains(result.Errors, e => e.Path == "Health:Pools:web:Check:ProxyProtocol" && e.Message.Contains("'yes'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Load_GoodProxyProtocolKeys_AreValid()
    {
        var c = ConfigJson.Basic(["http://127.0.0.1:5001/"]);
        c["Balancer"]!["Listeners"]![0]!["ProxyProtocol"] = "any";
        c["Balancer"]!["Listeners"]![0]!["ProxyProtocolTrusted"] = new JsonArray("10.0.0.0/8", "127.0.0.1", "2001:db8::/32", "::1");
        ConfigJson.Cluster(c)["Metadata"] = new JsonObject { ["ProxyProtocol"] = "v2" };
        c["Health"] = new JsonObject { ["Pools"] = new JsonObject { ["web"] = new JsonObject { ["Check"] = new JsonObject { ["ProxyProtocol"] = "v1" } } } };

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(c), "test.json", Path.GetTempPath(), ConfigValidationContext.CreateStandalone());

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
    }

    [Fact]
    public async Task Load_SameListenersTwice_AreEqual_SoAReloadDoesNotAskForARestart()
    {
        var c = ConfigJson.Basic(["http://127.0.0.1:5001/"]);
        c["Balancer"]!["Listeners"]![0]!["ProxyProtocol"] = "v2";
        c["Balancer"]!["Listeners"]![0]!["ProxyProtocolTrusted"] = new JsonArray("10.0.0.0/8", "127.0.0.1");
        var text = ConfigJson.Text(c);

        var first = await ConfigLoader.LoadTextAsync(text, "test.json", Path.GetTempPath(), ConfigValidationContext.CreateStandalone());
        var second = await ConfigLoader.LoadTextAsync(text, "test.json", Path.GetTempPath(), ConfigValidationContext.CreateStandalone());
        c["Balancer"]!["Listeners"]![0]!["ProxyProtocolTrusted"] = new JsonArray("10.0.0.0/8");
        var changed = await ConfigLoader.LoadTextAsync(ConfigJson.Text(c), "test.json", Path.GetTempPath(), ConfigValidationContext.CreateStandalone());

        Assert.Equal(first.Config!.Balancer.Listeners, second.Config!.Balancer.Listeners);
        Assert.NotEqual(first.Config.Balancer.Listeners[0], changed.Config!.Balancer.Listeners[0]);
    }

    [Fact]
    public async Task CheckCommand_BadProxyProtocolKeys_PrintsEveryProblemAndExits1()
    {
        using var dir = new TempDir();
        var path = dir.File("pp.json", ConfigJson.Text(WithEveryMistake()));

        var r = await BalancerProcess.RunAsync(TimeSpan.FromSeconds(60), "check", "--config", path);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{ExpectedErrors.Length} problem(s)", r.Stdout + r.Stderr);
        foreach (var (key, value) in ExpectedErrors)
        {
            Assert.Contains(value is null ? $"  {key}: " : $"  {key}: '{value}'", r.Stdout + r.Stderr);
        }
    }
}
