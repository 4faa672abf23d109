using System.Diagnostics;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Health;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>One of three L7 backends dies under steady concurrent load; failures stop once the health check has seen it.</summary>
[Collection(WallClockCollection.Name)]
public sealed class L7BackendFailureTests(ITestOutputHelper output)
{
    private const int IntervalMs = 200;
    private const int Fall = 2;
    private const int Workers = 4;

    [Fact]
    public async Task BackendKilled_UnderConcurrentLoad_FailuresOnlyBeforeDetection()
    {
        await using var f = await BalancerFixture.StartAsync(3, (c, _, _) => c["Health"] = new JsonObject
        {
            ["Pools"] = new JsonObject
            {
                ["web"] = new JsonObject
                {
                    ["Check"] = new JsonObject
                    {
                        ["Probe"] = "tcp", ["Interval"] = $"{IntervalMs}ms", ["Timeout"] = "200ms", ["FastInterval"] = $"{IntervalMs}ms",
                        ["Rise"] = 1, ["Fall"] = Fall, ["Jitter"] = 0,
                    },
                },
            },
        });
        HealthState Health(string id) => f.Host.Control.Store.Current.GetPool("web").Single(b => b.BackendId == id).Health;
        var sw = Stopwatch.StartNew();
        while (!new[] { "d0", "d1", "d2" }.All(id => Health(id) == HealthState.Healthy))
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "backends not healthy");
            await Task.Delay(20);
        }

        var clock = Stopwatch.StartNew();
        var results = new List<(TimeSpan At, TimeSpan End, bool Ok, string? Backend)>();
        var load = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(4))
            {
                var at = clock.Elapsed;
                bool ok;
                string? backend = null;
                try
                {
                    using var r = await f.Client.GetAsync(f.Front + "/");
                    ok = r.IsSuccessStatusCode;
                    backend = ok ? r.Headers.GetValues("X-Backend").Single() : null;
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }
                lock (results)
                {
                    results.Add((at, clock.Elapsed, ok, backend));
                }
                // Steady, not flat out: the machine is shared.
                await Task.Delay(2);
            }
        })).ToArray();

        // Detection = the moment the proxy has acted on it: Changed handlers run in order, and the host's own handler
        // (which recomputes YARP's available destinations) was subscribed first, so ours runs after it.
        TimeSpan? appliedAt = null;
        void OnChanged(HealthSnapshot s)
        {
            if (appliedAt is null && s.Pools.TryGetValue("web", out var pool) && pool.Any(b => b.BackendId == "d1" && b.Health == HealthState.Unhealthy))
            {
                appliedAt = clock.Elapsed;
            }
        }
        f.Host.Control.Changed += OnChanged;
        await Task.Delay(1000);
        var victim = f.Backends[1];
        var killedAt = clock.Elapsed;
        await victim.DisposeAsync();
        while (Health("d1") != HealthState.Unhealthy && clock.Elapsed < killedAt + TimeSpan.FromSeconds(5))
        {
            await Task.Delay(5);
        }
        var storeAt = clock.Elapsed;
        await Task.WhenAll(load);
        f.Host.Control.Changed -= OnChanged;
        Assert.NotNull(appliedAt);
        var detectedAt = appliedAt.Value;

        // Requests in flight at the kill belong to the window, not to "before".
        var before = results.Where(r => r.End < killedAt).ToList();
        var window = results.Where(r => r.End >= killedAt && r.At < detectedAt).ToList();
        var after = results.Where(r => r.At >= detectedAt).ToList();
        var bound = TimeSpan.FromMilliseconds((Fall * IntervalMs) + 200 + WallClockCollection.SlackMs);
        output.WriteLine($"{Workers} workers, {results.Count} requests: before the kill {before.Count} ({before.Count(r => !r.Ok)} failed); "
            + $"kill to detection {(detectedAt - killedAt).TotalMilliseconds:F0} ms (design bound {(Fall * IntervalMs) + 200} ms, asserted {bound.TotalMilliseconds:F0} ms; the poll of the health store saw it at {(storeAt - killedAt).TotalMilliseconds:F0} ms): {window.Count} requests, {window.Count(r => !r.Ok)} failed; "
            + $"after detection {after.Count}, {after.Count(r => !r.Ok)} failed, {after.Count(r => r.Backend == victim.Name)} to the dead backend");

        foreach (var r in after.Where(r => !r.Ok || r.Backend == victim.Name))
        {
            output.WriteLine($"after detection: started {(r.At - detectedAt).TotalMilliseconds:F1} ms after, took {(r.End - r.At).TotalMilliseconds:F1} ms, ok {r.Ok}, backend {r.Backend}");
        }
        Assert.Equal(HealthState.Unhealthy, Health("d1"));
        Assert.InRange(detectedAt - killedAt, TimeSpan.Zero, bound);
        Assert.All(before, r => Assert.True(r.Ok));
        Assert.True(after.Count > 100, "too little load after detection");
        Assert.Equal(0, after.Count(r => !r.Ok));
        Assert.Equal(0, after.Count(r => r.Backend == victim.Name));
    }
}
