using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Demo;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Health;
using Xunit.Abstractions;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.Control;

/// <summary>Active health checks and admin state driving the L7 front, end to end with real backends.</summary>
[Collection(WallClockCollection.Name)]
public sealed class L7HealthTests(ITestOutputHelper output)
{
    private static void FastChecks(JsonObject config, string cluster = "web") =>
        config["Health"] = new JsonObject
        {
            ["Pools"] = new JsonObject
            {
                [cluster] = new JsonObject
                {
                    ["Check"] = new JsonObject
                    {
                        ["Probe"] = "http", ["Path"] = "/health", ["Interval"] = "250ms", ["Timeout"] = "200ms",
                        ["FastInterval"] = "100ms", ["Rise"] = 2, ["Fall"] = 3, ["Jitter"] = 0,
                    },
                },
            },
        };

    private static bool All(BalancerFixture f, HealthState state) =>
        f.Host.Control.Store.Current.GetPool("web") is { Length: > 0 } pool && pool.All(b => b.Health == state);

    [Fact]
    public async Task DeadBackend_IsDetectedAndAvoided_ThenRejoins()
    {
        await using var f = await BalancerFixture.StartAsync(3, (c, _, _) => FastChecks(c));
        await Poll.UntilAsync(() => All(f, HealthState.Healthy), TimeSpan.FromSeconds(10), "all healthy");
        var victim = f.Backends[1];
        var victimUrl = victim.Url;

        // Steady requests while the victim dies: count failures before detection, and after it.
        var failedBefore = 0;
        var failedAfter = 0;
        var afterToVictim = 0;
        var killedAt = Stopwatch.StartNew();
        TimeSpan? detectedAfter = null;
        var load = Task.Run(async () =>
        {
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < TimeSpan.FromSeconds(4))
            {
                var detected = detectedAfter is not null;
                using var r = await f.Client.GetAsync(f.Front + "/");
                if (!r.IsSuccessStatusCode)
                {
                    if (detected)
                    {
                        failedAfter++;
                    }
                    else
                    {
                        failedBefore++;
                    }
                }
                else if (detected && r.Headers.GetValues("X-Backend").Single() == victim.Name)
                {
                    afterToVictim++;
                }
            }
        });
        await Task.Delay(300);
        await victim.DisposeAsync();
        killedAt.Restart();
        await Poll.UntilAsync(() => f.Host.Control.Store.Current.GetPool("web").Single(b => b.BackendId == "d1").Health == HealthState.Unhealthy,
            TimeSpan.FromSeconds(5), "victim unhealthy");
        // Detected means in force: YARP's available destinations follow the store off its thread, and until then a
        // request may still be sent to the victim, which is not what "after detection" counts.
        await f.Host.Control.ChangesApplied();
        detectedAfter = killedAt.Elapsed;
        await load;

        output.WriteLine($"detection {detectedAfter.Value.TotalMilliseconds:F0} ms (design bound interval 250 ms x fall 3 + timeout 200 ms = 950 ms, asserted with {WallClockCollection.SlackMs} ms slack); failed before detection {failedBefore}, after {failedAfter}");
        Assert.InRange(detectedAfter.Value, TimeSpan.Zero, TimeSpan.FromMilliseconds(950 + WallClockCollection.SlackMs));
        Assert.Equal(0, failedAfter);
        Assert.Equal(0, afterToVictim);

        // Back on the same port: it rejoins after `rise` passes.
        var revived = await DemoBackend.StartAsync(victim.Name, victimUrl);
        f.Backends[1] = revived;
        await Poll.UntilAsync(() => All(f, HealthState.Healthy), TimeSpan.FromSeconds(5), "victim healthy again");
        // The store has it healthy; YARP's available destinations follow off the store's thread.
        await f.Host.Control.ChangesApplied();
        var counts = await f.SpreadAsync(30);
        Assert.Equal(10, counts[victim.Name]);
    }

    [Fact]
    public async Task NewBackend_StartsUnknown_AndGetsNoTrafficBeforeRise()
    {
        await using var f = await BalancerFixture.StartAsync(1, (c, _, _) =>
        {
            FastChecks(c);
            c["Health"]!["Pools"]!["web"]!["Check"]!["Interval"] = "5s";
            c["Health"]!["Pools"]!["web"]!["Check"]!["FastInterval"] = "2s";
        });

        var first = f.Host.Control.Store.Current.GetPool("web").Single();
        using var r = await f.Client.GetAsync(f.Front + "/");

        // The first check runs at once, the second only after FastInterval: one pass is not `rise`.
        Assert.NotEqual(HealthState.Healthy, first.Health);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
    }

    [Fact]
    public async Task Drain_LetsInFlightFinish_AndSendsNoNewRequests()
    {
        await using var f = await BalancerFixture.StartAsync(2);
        using var longClient = BalancerFixture.NewClient();
        // A request in flight on d0 (round robin starts there).
        var inFlight = longClient.GetAsync(f.Front + "/delay/1500");
        await Poll.UntilAsync(() => f.Backends[0].Requests == 1, TimeSpan.FromSeconds(5), "request in flight on b0");

        using var drain = await f.Client.PostAsync(f.Host.AdminUrl + "/api/pools/web/backends/d0/drain", null);
        var status = JsonNode.Parse(await drain.Content.ReadAsStringAsync())!;
        var spread = await f.SpreadAsync(10);
        using var done = await inFlight;

        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        Assert.Equal("Drain", (string?)status["admin"]);
        Assert.Equal(1, (int)status["active"]!);
        Assert.Equal(10, spread["b1"]);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal("b0", done.Headers.GetValues("X-Backend").Single());

        using var ready = await f.Client.PostAsync(f.Host.AdminUrl + "/api/pools/web/backends/d0/ready", null);
        Assert.Equal(2, (await f.SpreadAsync(10)).Count);
    }

    [Fact]
    public async Task AdminWeight_Zero_StopsNewRequests_ResetRestores()
    {
        await using var f = await BalancerFixture.StartAsync(2, policy: "WeightedRoundRobin");

        using var set = await f.Client.PostAsync(f.Host.AdminUrl + "/api/pools/web/backends/d1/weight/0", null);
        var zero = await f.SpreadAsync(20);
        using var reset = await f.Client.DeleteAsync(f.Host.AdminUrl + "/api/pools/web/backends/d1/weight");
        var restored = await f.SpreadAsync(20);
        using var missing = await f.Client.PostAsync(f.Host.AdminUrl + "/api/pools/web/backends/nope/drain", null);
        using var bad = await f.Client.PostAsync(f.Host.AdminUrl + "/api/pools/web/backends/d1/weight/5000", null);

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(20, zero["b0"]);
        Assert.Equal(10, restored["b1"]);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task AdminApi_WithToken_RefusesMissingOrWrongToken()
    {
        const string token = "0123456789abcdef-secret";
        await using var f = await BalancerFixture.StartAsync(1, (c, _, _) => c["Balancer"]!["Admin"]!["Token"] = token);
        using var client = BalancerFixture.NewClient();

        using var none = await client.GetAsync(f.Host.AdminUrl + "/api/status");
        using var wrongRequest = new HttpRequestMessage(HttpMethod.Get, f.Host.AdminUrl + "/api/status") { Headers = { { "Authorization", "Bearer wrong" } } };
        using var wrong = await client.SendAsync(wrongRequest);
        using var metricsNone = await client.GetAsync(f.Host.AdminUrl + "/metrics");
        using var drainNone = await client.PostAsync(f.Host.AdminUrl + "/api/pools/web/backends/d0/drain", null);
        using var rightRequest = new HttpRequestMessage(HttpMethod.Get, f.Host.AdminUrl + "/api/status") { Headers = { { "Authorization", "Bearer " + token } } };
        using var right = await client.SendAsync(rightRequest);
        using var healthz = await client.GetAsync(f.Host.AdminUrl + "/healthz");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Empty(await wrong.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, metricsNone.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, drainNone.StatusCode);
        Assert.Equal("Ready", f.Host.Control.Store.Current.GetPool("web").Single().AdminState.ToString());
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
    }

    [Fact]
    public async Task AdminReload_BadFile_Returns422WithErrors()
    {
        await using var f = await BalancerFixture.StartAsync(1);
        await f.WriteConfigAsync(ConfigJson.Text(ConfigJson.Basic(["htp://x"])));

        using var r = await f.Client.PostAsync(f.Host.AdminUrl + "/api/reload", null);
        var body = await r.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        Assert.StartsWith("{\"applied\":false,\"errors\":[", body, StringComparison.Ordinal);
        Assert.Contains("'htp://x' is not an absolute http(s) URL", body);
        Assert.Equal(3, (await f.SpreadAsync(3))["b0"]);
    }
}
