using System.Reflection;
using Prometheus;

namespace LoadBalancer.Balancer.Metrics;

/// <summary>The metrics of one balancer instance, in its own registry so several instances (tests) never mix values.</summary>
public sealed class BalancerMetrics
{
    /// <summary>Creates the registry with process and runtime metrics and the balancer's own.</summary>
    public BalancerMetrics()
    {
        SuppressGlobalAdapters();
        Registry = Prometheus.Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        ConfigReloads = factory.CreateCounter("lb_config_reloads_total", "Config reloads by result (ok, failed).", ["result"]);
        LastReloadSuccess = factory.CreateGauge("lb_config_last_reload_success_timestamp_seconds", "Unix time of the last config applied successfully.");
        var version = typeof(BalancerMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var plus = version.IndexOf('+');
        var commit = plus >= 0 ? version[(plus + 1)..] : "unknown";
        factory.CreateGauge("lb_build_info", "Build information (always 1).", ["version", "commit", "runtime"])
            .WithLabels(plus >= 0 ? version[..plus] : version, commit, Environment.Version.ToString())
            .Set(1);
        // Create the label children up front so both series exist (as 0) before the first reload.
        ConfigReloads.WithLabels("ok");
        ConfigReloads.WithLabels("failed");
    }

    private static int _suppressed;

    /// <summary>
    /// prometheus-net's default registry would, once collected, listen to every .NET Meter and EventSource in the
    /// process (ASP.NET Core's per-request instruments included); this balancer exposes its own registries only, so
    /// make sure that never starts.
    /// </summary>
    private static void SuppressGlobalAdapters()
    {
        if (Interlocked.Exchange(ref _suppressed, 1) == 0)
        {
            Prometheus.Metrics.SuppressDefaultMetrics();
        }
    }

    /// <summary>The registry exposed on the admin endpoint's /metrics.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>lb_config_reloads_total{result}.</summary>
    public Counter ConfigReloads { get; }

    /// <summary>lb_config_last_reload_success_timestamp_seconds.</summary>
    public Gauge LastReloadSuccess { get; }
}
