using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.Configuration;

/// <summary>The access log, rate-limiting and trusted-proxy keys: a good section loads, every bad value is reported at once with its key path.</summary>
public sealed class OperationsConfigTests
{
    private static readonly ConfigValidationContext Context = ConfigValidationContext.CreateStandalone();

    private static async Task<ConfigLoadResult> LoadAsync(JsonObject config, string dir) =>
        await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), Path.Combine(dir, "test.json"), dir, Context);

    private static JsonObject Config(string balancerExtra, string? routePolicy = null)
    {
        var c = ConfigJson.Basic(["http://127.0.0.1:5001/"]);
        foreach (var (k, v) in JsonNode.Parse(balancerExtra)!.AsObject().ToList())
        {
            c["Balancer"]![k] = v?.DeepClone();
        }
        if (routePolicy is not null)
        {
            c["ReverseProxy"]!["Routes"]!["all"]!["RateLimiterPolicy"] = routePolicy;
        }
        return c;
    }

    [Fact]
    public async Task Load_GoodSections_BindsEveryKeyAndResolvesTheLogPath()
    {
        using var dir = new TempDir();
        var result = await LoadAsync(Config("""
            { "AccessLog": { "Enabled": true, "Format": "combined", "Path": "access.log", "QueueSize": 100 },
              "TrustedProxies": [ "10.0.0.0/8", "127.0.0.1" ],
              "RateLimiting": { "Policies": {
                "tb": { "Kind": "TokenBucket", "PermitLimit": 10, "TokensPerPeriod": 5, "ReplenishmentPeriod": "1s", "Key": "Header:X-Api-Key" },
                "fw": { "Kind": "FixedWindow", "PermitLimit": 10, "Window": "1m", "QueueLimit": 2 },
                "sw": { "Kind": "SlidingWindow", "PermitLimit": 10, "Window": "10s", "SegmentsPerWindow": 5, "Key": "Route" },
                "cc": { "Kind": "Concurrency", "PermitLimit": 3 } } } }
            """, routePolicy: "tb"), dir.Path);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var b = result.Config!.Balancer;
        Assert.True(b.AccessLog.Enabled);
        Assert.Equal("combined", b.AccessLog.Format);
        Assert.Equal(Path.Combine(dir.Path, "access.log"), b.AccessLog.Path);
        Assert.Equal(100, b.AccessLog.QueueSize);
        Assert.Equal(["10.0.0.0/8", "127.0.0.1"], b.TrustedProxies);
        Assert.Equal(4, b.RateLimiting.Policies.Count);
        Assert.Equal(TimeSpan.FromSeconds(1), b.RateLimiting.Policies["tb"].ReplenishmentPeriod);
        Assert.Equal(2, b.RateLimiting.Policies["fw"].QueueLimit);
        Assert.Equal("tb", result.Config.Routes.Single().RateLimiterPolicy);
    }

    [Fact]
    public async Task Load_EveryKindOfBadValue_AllReportedAtOnceWithPathAndValue()
    {
        using var dir = new TempDir();
        var result = await LoadAsync(Config("""
            { "AccessLog": { "Format": "xml", "Path": "/nonexistent-dir/access.log", "QueueSize": 0 },
              "TrustedProxies": [ "10.0.0.0/33", "proxy.example" ],
              "RateLimiting": { "Policies": {
                "k": { "Kind": "LeakyBucket", "PermitLimit": 1 },
                "tb": { "Kind": "TokenBucket", "PermitLimit": 0, "Window": "1s", "Key": "Cookie:x" },
                "sw": { "Kind": "SlidingWindow", "PermitLimit": 5, "Window": "-1s", "QueueLimit": -1 } } } }
            """, routePolicy: "nope"), dir.Path);

        Assert.False(result.IsValid);
        var expected = new (string Path, string? Value)[]
        {
            ("Balancer:AccessLog:Format", "xml"),
            ("Balancer:AccessLog:Path", "/nonexistent-dir/access.log"),
            ("Balancer:AccessLog:QueueSize", "0"),
            ("Balancer:TrustedProxies:0", "10.0.0.0/33"),
            ("Balancer:TrustedProxies:1", "proxy.example"),
            ("Balancer:RateLimiting:Policies:k:Kind", "LeakyBucket"),
            ("Balancer:RateLimiting:Policies:tb:PermitLimit", "0"),
            ("Balancer:RateLimiting:Policies:tb:Window", "00:00:01"),
            ("Balancer:RateLimiting:Policies:tb:TokensPerPeriod", null),
            ("Balancer:RateLimiting:Policies:tb:ReplenishmentPeriod", null),
            ("Balancer:RateLimiting:Policies:tb:Key", "Cookie:x"),
            ("Balancer:RateLimiting:Policies:sw:Window", "-00:00:01"),
            ("Balancer:RateLimiting:Policies:sw:SegmentsPerWindow", null),
            ("Balancer:RateLimiting:Policies:sw:QueueLimit", "-1"),
            ("ReverseProxy:Routes:all:RateLimiterPolicy", "nope"),
        };
        foreach (var (path, value) in expected)
        {
            var error = Assert.Single(result.Errors, e => e.Path == path);
            Assert.Equal(value, error.Value);
        }
        Assert.Equal(expected.Length, result.Errors.Count);
        Assert.Contains("known: k, sw, tb", result.Errors.Single(e => e.Path.EndsWith("RateLimiterPolicy", StringComparison.Ordinal)).Message);
    }

    [Fact]
    public async Task Load_UnknownKeyInTheNewSections_IsNamed()
    {
        using var dir = new TempDir();
        var result = await LoadAsync(Config("""
            { "AccessLog": { "Enabld": true }, "RateLimiting": { "Policy": {}, "Policies": { "p": { "Kind": "Concurrency", "PermitLimit": 1, "Limit": 2 } } } }
            """), dir.Path);

        Assert.Contains(result.Errors, e => e.Path == "Balancer:AccessLog:Enabld");
        Assert.Contains(result.Errors, e => e.Path == "Balancer:RateLimiting:Policy");
        Assert.Contains(result.Errors, e => e.Path == "Balancer:RateLimiting:Policies:p:Limit");
    }
}
