using System.Net;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Health;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.Metrics;

/// <summary>The admin endpoint's /metrics after real health transitions, an admin drain and a reload, with real backends.</summary>
public sealed class HealthMetricsEndToEndTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private static void FastChecks(JsonObject config) =>
        config["Health"] = new JsonObject
        {
            ["Pools"] = new JsonObject
            {
                ["web"] = new JsonObject
                {
                    ["Check"] = new JsonObject
                    {
                        ["Probe"] = "http", ["Path"] = "/health", ["Interval"] = "200ms",
                        // d1's checks fail by refused connections at once; d0 and d2 must never time out on a busy machine.
                        ["Timeout"] = "5s",
                        ["FastInterval"] = "100ms", ["Rise"] = 2, ["Fall"] = 3, ["Jitter"] = 0,
                    },
                },
            },
        };

    private static HealthState State(BalancerFixture f, string backend) =>
        f.Host.Control.Store.Current.GetPool("web").Single(b => b.BackendId == backend).Health;

    private static string Series(string name, string backend, string extra = "") =>
        $"{name}{{pool=\"web\",backend=\"{backend}\"{extra}}}";

    [Fact]
    public async Task Metrics_BackendDies_TransitionsStatesAndFailuresExact()
    {
        await using var f = await BalancerFixture.StartAsync(3, (c, _, _) => FastChecks(c));
        await Poll.UntilAsync(() => f.Host.Control.Store.Current.GetPool("web").All(b => b.Health == HealthState.Healthy),
            Limit, "all healthy");
        await f.Backends[1].DisposeAsync();
        await Poll.UntilAsync(() => State(f, "d1") == HealthState.Unhealthy, Limit, "d1 unhealthy");
        // Freeze the counters: no more checks after this.
        await f.Host.Control.Monitor.StopAsync();

        // d1 only passed before it died, so its failure streak is every failure it ever had.
        var failures = f.Host.Control.Monitor.Snapshot.Single(s => s.BackendId == "d1").Failures;
        var text = await f.Client.GetStringAsync(f.Host.AdminUrl + "/metrics");

        foreach (var b in new[] { "d0", "d2" })
        {
            Assert.Equal(1, MetricsText.Value(text, Series("lb_backend_up", b)));
            Assert.Equal(1, MetricsText.Value(text, Series("lb_health_transitions_total", b, ",to=\"healthy\"")));
            Assert.Equal(0, MetricsText.Value(text, Series("lb_health_transitions_total", b, ",to=\"unhealthy\"")));
            Assert.DoesNotContain(MetricsText.Samples(text, "lb_health_check_failures_total"), l => l.Contains($"backend=\"{b}\"", StringComparison.Ordinal));
        }
        Assert.Equal(0, MetricsText.Value(text, Series("lb_backend_up", "d1")));
        Assert.Equal(1, MetricsText.Value(text, Series("lb_backend_health_state", "d1", ",state=\"unhealthy\"")));
        Assert.Equal(0, MetricsText.Value(text, Series("lb_backend_health_state", "d1", ",state=\"healthy\"")));
        Assert.Equal(0, MetricsText.Value(text, Series("lb_backend_weight", "d1", ",kind=\"effective\"")));
        Assert.Equal(1, MetricsText.Value(text, Series("lb_backend_weight", "d1", ",kind=\"configured\"")));
        Assert.Equal(1, MetricsText.Value(text, Series("lb_health_transitions_total", "d1", ",to=\"healthy\"")));
        Assert.Equal(1, MetricsText.Value(text, Series("lb_health_transitions_total", "d1", ",to=\"unhealthy\"")));
        // Refused connects only (at least fall = 3), and no other failure anywhere.
        Assert.InRange(failures, 3, int.MaxValue);
        Assert.Equal([$"lb_health_check_failures_total{{pool=\"web\",backend=\"d1\",reason=\"refused\"}} {failures}"],
            MetricsText.Samples(text, "lb_health_check_failures_total"));
        Assert.True(MetricsText.Value(text, "lb_health_check_duration_seconds_count{pool=\"web\"}") >= 3 * 2 + 3);
    }

    [Fact]
    public async Task Metrics_DrainViaAdminApi_AdminStateAndWeightsExact()
    {
        await using var f = await BalancerFixture.StartAsync(2);

        using var drain = await f.Client.PostAsync(f.Host.AdminUrl + "/api/pools/web/backends/d0/drain", null);
        var text = await f.Client.GetStringAsync(f.Host.AdminUrl + "/metrics");

        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        Assert.Equal(
            [
                "lb_backend_admin_state{pool=\"web\",backend=\"d0\",state=\"drain\"} 1",
                "lb_backend_admin_state{pool=\"web\",backend=\"d0\",state=\"maint\"} 0",
                "lb_backend_admin_state{pool=\"web\",backend=\"d0\",state=\"ready\"} 0",
                "lb_backend_admin_state{pool=\"web\",backend=\"d1\",state=\"drain\"} 0",
                "lb_backend_admin_state{pool=\"web\",backend=\"d1\",state=\"maint\"} 0",
                "lb_backend_admin_state{pool=\"web\",backend=\"d1\",state=\"ready\"} 1",
            ],
            MetricsText.Samples(text, "lb_backend_admin_state").Order(StringComparer.Ordinal));
        Assert.Equal(0, MetricsText.Value(text, Series("lb_backend_weight", "d0", ",kind=\"effective\"")));
        Assert.Equal(1, MetricsText.Value(text, Series("lb_backend_weight", "d0", ",kind=\"configured\"")));
        Assert.Equal(1, MetricsText.Value(text, Series("lb_backend_weight", "d1", ",kind=\"effective\"")));
        // No check configured: the pool's backends count as up.
        Assert.Equal(1, MetricsText.Value(text, Series("lb_backend_up", "d0")));
    }

    [Fact]
    public async Task Metrics_ReloadRemovesBackend_ItsSeriesDisappear()
    {
        await using var f = await BalancerFixture.StartAsync(2);
        var before = await f.Client.GetStringAsync(f.Host.AdminUrl + "/metrics");
        var config = ConfigJson.Basic([f.Backends[0].Url]);
        await f.WriteConfigAsync(ConfigJson.Text(config));

        // The file watcher applies the new file by itself; then an API reload applies it once more. A scrape that runs
        // while the watcher applies can read the gauges before the apply and the reload counter after it, so wait for a
        // scrape that shows the reload counted and d1's series gone (the test fails if they never go).
        string text = "";
        await Poll.UntilAsync(async () =>
        {
            text = await f.Client.GetStringAsync(f.Host.AdminUrl + "/metrics");
            return text.Contains("lb_config_reloads_total{result=\"ok\"} 1") && !text.Contains("backend=\"d1\"");
        }, TimeSpan.FromSeconds(10), "the watcher's reload, with d1's series gone");
        using var reload = await f.Client.PostAsync(f.Host.AdminUrl + "/api/reload", null);
        var after = await f.Client.GetStringAsync(f.Host.AdminUrl + "/metrics");

        Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        Assert.StartsWith("{\"applied\":true,\"source\":", await reload.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(Series("lb_backend_up", "d1") + " 1", before);
        Assert.DoesNotContain("backend=\"d1\"", text);
        Assert.DoesNotContain("backend=\"d1\"", after);
        Assert.Equal(1, MetricsText.Value(after, Series("lb_backend_up", "d0")));
        Assert.Equal(2, MetricsText.Value(after, "lb_config_reloads_total{result=\"ok\"}"));
    }
}
