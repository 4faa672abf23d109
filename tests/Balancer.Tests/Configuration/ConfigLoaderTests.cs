using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    private static readonly ConfigValidationContext Context = ConfigValidationContext.CreateStandalone();

    private static JsonObject Valid() => ConfigJson.Basic(["http://127.0.0.1:5001/", "http://127.0.0.1:5002/"]);

    private static async Task<ConfigLoadResult> LoadAsync(JsonNode config, string? dir = null) =>
        await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "test.json", dir ?? Path.GetTempPath(), Context);

    private static JsonObject Balancer(JsonObject c) => (JsonObject)c["Balancer"]!;

    private static JsonObject Dest(JsonObject c, string id = "d1") => (JsonObject)ConfigJson.Cluster(c)["Destinations"]![id]!;

    /// <summary>One kind of bad config: how to break a valid one, the key path that must be named and the value that must be quoted.</summary>
    public static TheoryData<string, Action<JsonObject>, string, string?> BadConfigs() => new()
    {
        { "bad destination URL", c => Dest(c)["Address"] = "htp://x", "ReverseProxy:Clusters:web:Destinations:d1:Address", "htp://x" },
        { "route to a missing cluster", c => c["ReverseProxy"]!["Routes"]!["all"]!["ClusterId"] = "nope", "ReverseProxy:Routes:all:ClusterId", "nope" },
        { "unknown load-balancing policy", c => ConfigJson.Cluster(c)["LoadBalancingPolicy"] = "Fastest", "ReverseProxy:Clusters:web:LoadBalancingPolicy", "Fastest" },
        { "listener URL not a URL", c => Balancer(c)["Listeners"]![0]!["Url"] = "localhost8080", "Balancer:Listeners:0:Url", "localhost8080" },
        { "https listener without certificate", c => Balancer(c)["Listeners"]![0]!["Url"] = "https://127.0.0.1:0", "Balancer:Listeners:0:Certificate", null },
        { "certificate file missing", c => Balancer(c)["Listeners"] = new JsonArray(new JsonObject { ["Url"] = "https://127.0.0.1:0", ["Certificate"] = new JsonObject { ["Path"] = "/nonexistent/cert.pem" } }), "Balancer:Listeners:0:Certificate:Path", "/nonexistent/cert.pem" },
        { "admin on a public address without token", c => Balancer(c)["Admin"]!["Url"] = "http://0.0.0.0:9100", "Balancer:Admin:Token", null },
        { "negative body limit", c => Balancer(c)["Limits"] = new JsonObject { ["MaxRequestBodySize"] = -5 }, "Balancer:Limits:MaxRequestBodySize", "-5" },
        { "duration that is not one", c => Balancer(c)["Limits"] = new JsonObject { ["BackendTimeout"] = "soon" }, "Balancer:Limits:BackendTimeout", "soon" },
        { "misspelt key", c => ConfigJson.Cluster(c)["Destinatons"] = new JsonObject(), "ReverseProxy:Clusters:web:Destinatons", null },
        { "weight not a number", c => Dest(c)["Metadata"] = new JsonObject { ["Weight"] = "heavy" }, "ReverseProxy:Clusters:web:Destinations:d1:Metadata:Weight", "heavy" },
        { "unknown hash key", c => ConfigJson.Cluster(c)["Metadata"] = new JsonObject { ["HashKey"] = "Query:x" }, "ReverseProxy:Clusters:web:Metadata:HashKey", "Query:x" },
        { "misspelt section", c => c["ReverseProxi"] = new JsonObject(), "ReverseProxi", null },
        { "wrong type", c => c["ReverseProxy"]!["Routes"]!["all"]!["Order"] = "first", "ReverseProxy:Routes:all:Order", "first" },
        { "two listeners on one port", c => Balancer(c)["Listeners"] = new JsonArray(new JsonObject { ["Url"] = "http://127.0.0.1:8081" }, new JsonObject { ["Url"] = "http://127.0.0.1:8081" }), "Balancer:Listeners:1:Url", "http://127.0.0.1:8081" },
        { "zero backend timeout", c => ConfigJson.Cluster(c)["HttpRequest"] = new JsonObject { ["ActivityTimeout"] = "00:00:00" }, "ReverseProxy:Clusters:web:HttpRequest:ActivityTimeout", "00:00:00" },
        { "route without match", c => ((JsonObject)c["ReverseProxy"]!["Routes"]!["all"]!).Remove("Match"), "ReverseProxy:Routes:all:Match", null },
        { "cluster without destinations", c => ConfigJson.Cluster(c)["Destinations"] = new JsonObject(), "ReverseProxy:Clusters:web:Destinations", null },
        { "bad protocols", c => Balancer(c)["Listeners"]![0]!["Protocols"] = "Http9", "Balancer:Listeners:0:Protocols", "Http9" },
        { "affinity without key name", c => ConfigJson.Cluster(c)["SessionAffinity"] = new JsonObject { ["Enabled"] = true, ["Policy"] = "Cookie" }, "ReverseProxy:Clusters:web:SessionAffinity:AffinityKeyName", null },
        { "YARP-level: bad route pattern", c => c["ReverseProxy"]!["Routes"]!["all"]!["Match"]!["Path"] = "/{a", "ReverseProxy:Routes:all", null },
    };

    [Theory]
    [MemberData(nameof(BadConfigs), DisableDiscoveryEnumeration = true)]
    public async Task Load_BadConfig_NamesKeyAndValue(string kind, Action<JsonObject> breakIt, string expectedPath, string? expectedValue)
    {
        var config = Valid();
        breakIt(config);

        var result = await LoadAsync(config);

        Assert.False(result.IsValid, kind);
        Assert.Null(result.Config);
        var error = Assert.Single(result.Errors, e => e.Path == expectedPath);
        Assert.Equal(expectedValue, error.Value);
        var text = error.ToString();
        Assert.StartsWith(expectedPath + ":", text);
        if (expectedValue is not null)
        {
            Assert.Contains($"'{expectedValue}'", text);
        }
    }

    [Fact]
    public async Task Load_ManyProblems_ReportsEveryOneAtOnce()
    {
        var config = Valid();
        string[] kinds =
        [
            "bad destination URL", "route to a missing cluster", "two listeners on one port", "admin on a public address without token",
            "duration that is not one", "misspelt key", "misspelt section", "weight not a number", "unknown hash key",
        ];
        foreach (var row in BadConfigs().Where(r => kinds.Contains((string)r[0])))
        {
            ((Action<JsonObject>)row[1])(config);
        }

        var result = await LoadAsync(config);

        string[] expected =
        [
            "ReverseProxy:Clusters:web:Destinations:d1:Address", "ReverseProxy:Routes:all:ClusterId", "Balancer:Listeners:1:Url",
            "Balancer:Admin:Token", "Balancer:Limits:BackendTimeout", "ReverseProxy:Clusters:web:Destinatons", "ReverseProxi",
            "ReverseProxy:Clusters:web:Destinations:d1:Metadata:Weight", "ReverseProxy:Clusters:web:Metadata:HashKey",
        ];
        foreach (var path in expected)
        {
            Assert.Contains(result.Errors, e => e.Path == path);
        }
        Assert.True(result.Errors.Count >= expected.Length);
    }

    [Fact]
    public async Task Load_ValidConfig_BindsEverything()
    {
        var config = Valid();
        Dest(config)["Metadata"] = new JsonObject { ["Weight"] = "3" };
        Balancer(config)["Limits"] = new JsonObject { ["BackendTimeout"] = "1500ms", ["MaxRequestBodySize"] = "2048" };

        var result = await LoadAsync(config);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var c = result.Config!;
        Assert.Equal("all", Assert.Single(c.Routes).RouteId);
        var cluster = Assert.Single(c.Clusters);
        Assert.Equal("web", cluster.ClusterId);
        Assert.Equal(2, cluster.Destinations!.Count);
        Assert.Equal("3", cluster.Destinations["d1"].Metadata!["Weight"]);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), c.Balancer.Limits.BackendTimeout);
        Assert.Equal(2048, c.Balancer.Limits.MaxRequestBodySize);
    }

    [Fact]
    public async Task Load_InvalidJson_SaysWhere()
    {
        var result = await ConfigLoader.LoadTextAsync("{ \"Balancer\": { ", "broken.json", ".", Context);

        var error = Assert.Single(result.Errors);
        Assert.Equal("broken.json", error.Path);
        Assert.Contains("not valid JSON", error.Message);
    }

    [Theory]
    [InlineData("demo.json")]
    [InlineData("l7.json")]
    [InlineData("l4-nat.json")]
    [InlineData("l4-fullnat.json")]
    [InlineData("l4-tunnel.json")]
    [InlineData("l4-dsr.json")]
    public async Task ShippedConfigs_AreValid(string name)
    {
        var path = Path.Combine(RepoRoot(), "configs", name);
        var result = await ConfigLoader.LoadFileAsync(path, Context);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    internal static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "LoadBalancer.sln")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repo root not found");
        }
        return dir;
    }
}
