using LoadBalancer.Balancer.Announce;
using Prometheus;

namespace LoadBalancer.Balancer.Metrics;

/// <summary>VIP announcement metrics, read from the announcer at scrape time.</summary>
public sealed class AnnounceMetrics
{
    private readonly VipAnnouncer _announcer;
    private readonly Gauge _announced;

    /// <summary>Registers <c>lb_vip_announced{vip}</c> in the instance's registry, read from <paramref name="announcer"/> before every scrape.</summary>
    public static void Register(BalancerMetrics metrics, VipAnnouncer announcer) => _ = new AnnounceMetrics(metrics, announcer);

    private AnnounceMetrics(BalancerMetrics metrics, VipAnnouncer announcer)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _announcer = announcer;
        _announced = Prometheus.Metrics.WithCustomRegistry(metrics.Registry)
            .CreateGauge("lb_vip_announced", "1 while the VIP's route is in the announce table (a routing daemon exports it), 0 while withdrawn.", ["vip"]);
        Collect();
        metrics.Registry.AddBeforeCollectCallback(Collect);
    }

    private void Collect()
    {
        foreach (var v in _announcer.Status)
        {
            _announced.WithLabels(v.Vip).Set(v.Announced ? 1 : 0);
        }
    }
}
