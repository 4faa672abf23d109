using System.Net;
using System.Text;
using LoadBalancer.Balancer.Control;
using LoadBalancer.Balancer.Metrics;
using LoadBalancer.Health;
using LoadBalancer.Health.Probes;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.Metrics;

/// <summary>HealthMetrics over a real store and monitor driven by a scripted probe: exact counts after a known script.</summary>
public sealed class HealthMetricsTests : IAsyncDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private readonly BackendControl _control = new(TimeProvider.System, NullLoggerFactory.Instance);
    private readonly BalancerMetrics _metrics = new();

    public async ValueTask DisposeAsync() => await _control.DisposeAsync();

    private static HealthCheckOptions Fast(string probe) => new()
    {
        Probe = probe, Interval = TimeSpan.FromMilliseconds(20), FastInterval = TimeSpan.FromMilliseconds(10),
        Timeout = TimeSpan.FromSeconds(1), Rise = 2, Fall = 3, Jitter = 0,
    };

    private void Configure(string probe, params string[] backends)
    {
        _control.Store.ApplyConfig([new PoolStateConfig("p", true, TimeSpan.Zero,
            backends.Select((b, i) => new BackendStateConfig(b, $"127.0.0.1:{1000 + i}", i + 2)).ToList())]);
        _control.Monitor.UpdateTargets(backends.Select((b, i) => new HealthTarget("p", b, IPAddress.Loopback, 1000 + i, Fast(probe))));
    }

    private static async Task<string> ScrapeAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private HealthState State(string backend) => _control.Store.Current.GetPool("p").Single(b => b.BackendId == backend).Health;

    [Fact]
    public async Task Scrape_ThreeFailuresThenPasses_CountsAndStatesAreExact()
    {
        var probe = new ScriptedProbe("scripted", ScriptedProbe.Fail, ScriptedProbe.Fail, ScriptedProbe.Fail);
        _control.Probes.Register(probe);
        HealthMetrics.Register(_metrics, _control);
        Configure("scripted", "b1");
        _control.Start();

        await Poll.UntilAsync(() => State("b1") == HealthState.Healthy, Limit, "b1 healthy after 3 failures and 2 passes");
        await _control.Monitor.StopAsync();
        var text = await ScrapeAsync(_metrics.Registry);

        Assert.Equal(3, MetricsText.Value(text, "lb_health_check_failures_total{pool=\"p\",backend=\"b1\",reason=\"bad_status\"}"));
        Assert.Single(MetricsText.Samples(text, "lb_health_check_failures_total"));
        Assert.Equal(1, MetricsText.Value(text, "lb_health_transitions_total{pool=\"p\",backend=\"b1\",to=\"unhealthy\"}"));
        Assert.Equal(1, MetricsText.Value(text, "lb_health_transitions_total{pool=\"p\",backend=\"b1\",to=\"healthy\"}"));
        // A check whose answer comes while StopAsync cancels is made but not recorded (HealthMonitor.RunAsync): one at most.
        var recorded = MetricsText.Value(text, "lb_health_check_duration_seconds_count{pool=\"p\"}");
        Assert.InRange(probe.Calls - recorded!.Value, 0, 1);
        Assert.Equal(recorded, MetricsText.Value(text, "lb_health_check_duration_seconds_bucket{pool=\"p\",le=\"0.001\"}"));
        Assert.Equal(0, MetricsText.Value(text, "lb_health_check_duration_seconds_bucket{pool=\"p\",le=\"0.0005\"}"));
        Assert.Equal(1, MetricsText.Value(text, "lb_backend_up{pool=\"p\",backend=\"b1\"}"));
        Assert.Equal(0, MetricsText.Value(text, "lb_backend_health_state{pool=\"p\",backend=\"b1\",state=\"unknown\"}"));
        Assert.Equal(1, MetricsText.Value(text, "lb_backend_health_state{pool=\"p\",backend=\"b1\",state=\"healthy\"}"));
        Assert.Equal(0, MetricsText.Value(text, "lb_backend_health_state{pool=\"p\",backend=\"b1\",state=\"unhealthy\"}"));
        Assert.Equal(2, MetricsText.Value(text, "lb_backend_weight{pool=\"p\",backend=\"b1\",kind=\"configured\"}"));
        Assert.Equal(2, MetricsText.Value(text, "lb_backend_weight{pool=\"p\",backend=\"b1\",kind=\"effective\"}"));
    }

    [Fact]
    public async Task Scrape_BeforeAnyCheck_BackendUnknownAndDown()
    {
        HealthMetrics.Register(_metrics, _control);
        Configure("tcp", "b1");

        var text = await ScrapeAsync(_metrics.Registry);

        Assert.Equal(0, MetricsText.Value(text, "lb_backend_up{pool=\"p\",backend=\"b1\"}"));
        Assert.Equal(1, MetricsText.Value(text, "lb_backend_health_state{pool=\"p\",backend=\"b1\",state=\"unknown\"}"));
        Assert.Equal(1, MetricsText.Value(text, "lb_backend_admin_state{pool=\"p\",backend=\"b1\",state=\"ready\"}"));
        Assert.Equal(0, MetricsText.Value(text, "lb_backend_weight{pool=\"p\",backend=\"b1\",kind=\"effective\"}"));
        Assert.Equal(0, MetricsText.Value(text, "lb_health_transitions_total{pool=\"p\",backend=\"b1\",to=\"healthy\"}"));
    }

    [Fact]
    public async Task Scrape_AdminStateAndWeightOverride_FollowTheStore()
    {
        HealthMetrics.Register(_metrics, _control);
        _control.Store.ApplyConfig([new PoolStateConfig("p", false, TimeSpan.Zero, [new BackendStateConfig("b1", "a", 3), new BackendStateConfig("b2", "b", 3)])]);
        var before = await ScrapeAsync(_metrics.Registry);

        _control.Store.SetAdminState("p", "b1", AdminState.Maint);
        _control.Store.SetWeight("p", "b2", 7);
        var after = await ScrapeAsync(_metrics.Registry);

        Assert.Equal(3, MetricsText.Value(before, "lb_backend_weight{pool=\"p\",backend=\"b1\",kind=\"effective\"}"));
        Assert.Equal(1, MetricsText.Value(after, "lb_backend_admin_state{pool=\"p\",backend=\"b1\",state=\"maint\"}"));
        Assert.Equal(0, MetricsText.Value(after, "lb_backend_admin_state{pool=\"p\",backend=\"b1\",state=\"ready\"}"));
        Assert.Equal(0, MetricsText.Value(after, "lb_backend_weight{pool=\"p\",backend=\"b1\",kind=\"effective\"}"));
        Assert.Equal(3, MetricsText.Value(after, "lb_backend_weight{pool=\"p\",backend=\"b2\",kind=\"configured\"}"));
        Assert.Equal(7, MetricsText.Value(after, "lb_backend_weight{pool=\"p\",backend=\"b2\",kind=\"effective\"}"));
        // No check in the pool: it counts as healthy.
        Assert.Equal(1, MetricsText.Value(after, "lb_backend_up{pool=\"p\",backend=\"b1\"}"));
    }

    [Fact]
    public async Task Scrape_BackendAndPoolRemoved_AllTheirSeriesGone()
    {
        var probe = new ScriptedProbe("scripted", ScriptedProbe.Fail);
        _control.Probes.Register(probe);
        HealthMetrics.Register(_metrics, _control);
        Configure("scripted", "b1", "b2");
        _control.Start();
        await Poll.UntilAsync(() => State("b1") == HealthState.Healthy && State("b2") == HealthState.Healthy, Limit, "both healthy");
        var before = await ScrapeAsync(_metrics.Registry);

        Configure("scripted", "b1");
        var oneLeft = await ScrapeAsync(_metrics.Registry);
        _control.Store.ApplyConfig([]);
        _control.Monitor.UpdateTargets([]);
        var none = await ScrapeAsync(_metrics.Registry);

        Assert.Contains("backend=\"b2\"", before);
        Assert.Contains("lb_health_check_failures_total{pool=\"p\",backend=\"", before);
        Assert.DoesNotContain("backend=\"b2\"", oneLeft);
        Assert.Contains("backend=\"b1\"", oneLeft);
        foreach (var name in new[] { "lb_backend_up", "lb_backend_health_state", "lb_backend_admin_state", "lb_backend_weight",
            "lb_health_check_failures_total", "lb_health_transitions_total", "lb_health_check_duration_seconds_count" })
        {
            Assert.Empty(MetricsText.Samples(none, name));
        }
    }

    [Fact]
    public async Task CheckCompleted_HandlerThrows_MonitorKeepsCheckingAndTransitions()
    {
        var probe = new ScriptedProbe("scripted", ScriptedProbe.Fail, ScriptedProbe.Fail, ScriptedProbe.Fail);
        _control.Probes.Register(probe);
        var thrown = 0;
        _control.Monitor.CheckCompleted += _ =>
        {
            Interlocked.Increment(ref thrown);
            throw new InvalidOperationException("handler bug");
        };
        Configure("scripted", "b1");
        _control.Start();

        // Unknown -> Unhealthy (3 failures) -> Healthy (2 passes) needs 5 checks, each past a throwing handler.
        await Poll.UntilAsync(() => State("b1") == HealthState.Healthy, Limit, "b1 healthy despite a throwing handler");
        await _control.Monitor.StopAsync();

        Assert.True(probe.Calls >= 5, $"{probe.Calls} checks");
        // Every recorded check reached the handler; one made while StopAsync cancels is not recorded (HealthMonitor.RunAsync).
        Assert.InRange(probe.Calls - Volatile.Read(ref thrown), 0, 1);
        Assert.True(Volatile.Read(ref thrown) >= 5, $"{Volatile.Read(ref thrown)} handler calls");
    }

    [Fact]
    public async Task CheckCompleted_EveryCheck_CarriesPoolBackendAndResult()
    {
        var probe = new ScriptedProbe("scripted", ScriptedProbe.Fail);
        _control.Probes.Register(probe);
        var seen = new List<HealthCheckCompleted>();
        _control.Monitor.CheckCompleted += c =>
        {
            lock (seen)
            {
                seen.Add(c);
            }
        };
        Configure("scripted", "b1");
        _control.Start();

        await Poll.UntilAsync(() => State("b1") == HealthState.Healthy, Limit, "b1 healthy");
        await _control.Monitor.StopAsync();

        // A check whose answer comes while StopAsync cancels is made but not reported (HealthMonitor.RunAsync): one at most.
        Assert.InRange(probe.Calls - seen.Count, 0, 1);
        Assert.Equal(new HealthCheckCompleted("p", "b1", ScriptedProbe.Fail), seen[0]);
        Assert.All(seen.Skip(1), c => Assert.Equal(new HealthCheckCompleted("p", "b1", ScriptedProbe.Pass), c));
    }
}
