using Microsoft.Extensions.Logging;

namespace LoadBalancer.Balancer.Hosting;

/// <summary>How a <see cref="BalancerHost"/> runs: which file to watch and how to log.</summary>
public sealed record BalancerHostOptions
{
    /// <summary>The config file to reload from (on change and on SIGHUP); null for an embedded config.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Watch the config file and reload when it changes.</summary>
    public bool WatchConfigFile { get; init; } = true;

    /// <summary>Quiet time after the last change event before the watched file is read.</summary>
    public TimeSpan ReloadDebounce { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a read that found the file empty or half-written waits for the writer's next change before the read counts as a failed reload.</summary>
    public TimeSpan ReloadSettleTime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Reload on SIGHUP (off in tests: a signal handler is process-wide).</summary>
    public bool ReloadOnSighup { get; init; } = true;

    /// <summary>Clock for health checks and slow start (tests inject a fake one); null is the system clock.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Logging set-up applied to every web application the host starts.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}
