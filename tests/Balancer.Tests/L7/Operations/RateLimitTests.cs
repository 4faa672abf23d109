using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Tests.Metrics;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.L7.Operations;

/// <summary>Routes' rate-limiting policies on a real front: over the limit 429 with Retry-After at the configured rate, other keys unaffected, policies rebuilt on reload.</summary>
[Collection(WallClockCollection.Name)]
public sealed class RateLimitTests
{
    private static Task<BalancerFixture> StartAsync(string policies, string policy) =>
        BalancerFixture.StartAsync(2, (c, _, _) => Shape(c, policies, policy));

    private static void Shape(JsonObject c, string policies, string policy)
    {
        c["Balancer"]!["TrustedProxies"] = new JsonArray("127.0.0.1");
        c["Balancer"]!["RateLimiting"] = new JsonObject { ["Policies"] = JsonNode.Parse(policies) };
        c["ReverseProxy"]!["Routes"]!["all"]!["RateLimiterPolicy"] = policy;
    }

    private static async Task<HttpResponseMessage> GetAsync(BalancerFixture f, string path, string? client = null, string? apiKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, f.Front + path);
        if (client is not null)
        {
            request.Headers.Add("X-Forwarded-For", client);
        }
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }
        return await f.Client.SendAsync(request);
    }

    private static async Task<double> RateLimitedAsync(BalancerFixture f, string policy) =>
        MetricsText.Value(await f.Client.GetStringAsync(f.Host.AdminUrl + "/metrics"), $"lb_http_rate_limited_total{{route=\"all\",policy=\"{policy}\"}}") ?? -1;

    [Fact]
    public async Task TokenBucket_ClientOverTheLimit_AllowedAtTheConfiguredRate_OtherClientUnaffected()
    {
        // 5 requests at once, then 5 per second, per client address (X-Forwarded-For from the trusted 127.0.0.1).
        await using var f = await StartAsync("""{ "per-client": { "Kind": "TokenBucket", "PermitLimit": 5, "TokensPerPeriod": 5, "ReplenishmentPeriod": "1s" } }""", "per-client");
        Assert.Equal(0, await RateLimitedAsync(f, "per-client"));
        int allowed = 0, limited = 0, otherOk = 0, otherSent = 0;
        var retryAfter = new List<string>();
        var clock = Stopwatch.StartNew();
        var other = Task.Run(async () =>
        {
            // The other client sends 3 per second: under its own limit all along.
            while (clock.Elapsed < TimeSpan.FromSeconds(4))
            {
                using var r = await GetAsync(f, "/", client: "203.0.113.2");
                otherSent++;
                otherOk += r.StatusCode == HttpStatusCode.OK ? 1 : 0;
                await Task.Delay(330);
            }
        });
        while (clock.Elapsed < TimeSpan.FromSeconds(4))
        {
            using var r = await GetAsync(f, "/", client: "203.0.113.1");
            if (r.StatusCode == HttpStatusCode.OK)
            {
                allowed++;
            }
            else
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode);
                limited++;
                retryAfter.Add(r.Headers.TryGetValues("Retry-After", out var v) ? v.Single() : "(none)");
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        await other;

        // 5 in the bucket plus 5 per full second elapsed, give or take one refill at either end.
        Assert.InRange(allowed, 5 + 5 * ((int)seconds - 1), 5 + 5 * ((int)Math.Ceiling(seconds) + 1));
        Assert.True(limited > allowed, $"only {limited} limited against {allowed} allowed: the client did not go over the limit");
        Assert.All(retryAfter, v => Assert.True(int.TryParse(v, out var s) && s is >= 1 and <= 2, $"Retry-After {v}"));
        Assert.True(otherSent >= 6, $"the other client sent only {otherSent}");
        Assert.Equal(otherSent, otherOk);
        Assert.Equal(limited, await RateLimitedAsync(f, "per-client"));
    }

    [Fact]
    public async Task Concurrency_KeyedByRoute_OnlyPermitLimitAtOnce()
    {
        await using var f = await StartAsync("""{ "two": { "Kind": "Concurrency", "PermitLimit": 2, "Key": "Route" } }""", "two");

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => GetAsync(f, "/delay/2000", client: $"198.51.100.{i}")));
        using var after = await GetAsync(f, "/");

        Assert.Equal(2, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests && r.Headers.RetryAfter is not null));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(3, await RateLimitedAsync(f, "two"));
        foreach (var r in responses)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task FixedWindow_KeyedByHeader_EachKeyHasItsOwnWindow()
    {
        await using var f = await StartAsync("""{ "api": { "Kind": "FixedWindow", "PermitLimit": 2, "Window": "1h", "Key": "Header:X-Api-Key" } }""", "api");

        var a = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var r = await GetAsync(f, "/", apiKey: "a");
            a.Add(r.StatusCode);
            if (r.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.InRange(int.Parse(r.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 3000, 3600);
            }
        }
        using var b = await GetAsync(f, "/", apiKey: "b");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], a);
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
    }

    [Fact]
    public async Task Reload_ChangedPolicyIsRebuilt_UnchangedOneKeepsItsCount_BadFileKeepsTheRunningOne()
    {
        const string three = """{ "p": { "Kind": "FixedWindow", "PermitLimit": 3, "Window": "1h", "Key": "Route" } }""";
        await using var f = await StartAsync(three, "p");
        Assert.Equal(new[] { 200, 200, 200, 429 }, await StatusesAsync(f, 4));

        // An unrelated change: the policy's limiter and its spent window stay.
        var config = ConfigJson.Basic(f.Backends.Select(b => b.Url));
        Shape(config, three, "p");
        ConfigJson.Cluster(config)["Metadata"] = new JsonObject { ["note"] = "unrelated" };
        Assert.True((await ReloadAsync(f, config)).IsValid);
        Assert.Equal(new[] { 429 }, await StatusesAsync(f, 1));

        // A changed policy gets a new limiter.
        Shape(config, """{ "p": { "Kind": "FixedWindow", "PermitLimit": 5, "Window": "1h", "Key": "Route" } }""", "p");
        Assert.True((await ReloadAsync(f, config)).IsValid);
        Assert.Equal(new[] { 200, 200, 200, 200, 200, 429 }, await StatusesAsync(f, 6));

        // A route naming a missing policy is refused as a whole; the running limits stay.
        Shape(config, """{ "q": { "Kind": "Concurrency", "PermitLimit": 100 } }""", "p");
        config["Balancer"]!["RateLimiting"]!["Policies"]!["q"]!["PermitLimit"] = 100;
        var bad = await ReloadAsync(f, config);
        Assert.Contains(bad.Errors, e => e.Path == "ReverseProxy:Routes:all:RateLimiterPolicy" && e.Value == "p");
        Assert.Equal(new[] { 429 }, await StatusesAsync(f, 1));

        // Taking the policy off the route lifts the limit.
        ((JsonObject)config["ReverseProxy"]!["Routes"]!["all"]!).Remove("RateLimiterPolicy");
        Assert.True((await ReloadAsync(f, config)).IsValid);
        Assert.Equal(new[] { 200, 200 }, await StatusesAsync(f, 2));
    }

    private static async Task<ConfigLoadResult> ReloadAsync(BalancerFixture f, JsonObject config)
    {
        await f.WriteConfigAsync(ConfigJson.Text(config));
        return await f.Host.ReloadAsync();
    }

    private static async Task<int[]> StatusesAsync(BalancerFixture f, int count)
    {
        var result = new int[count];
        for (var i = 0; i < count; i++)
        {
            using var r = await GetAsync(f, "/");
            result[i] = (int)r.StatusCode;
        }
        return result;
    }
}
