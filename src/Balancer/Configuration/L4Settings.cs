using LoadBalancer.Modes.Flows;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>The <c>L4</c> section parsed once by <see cref="L4ConfigValidator"/>: what the engine, its metrics and its routes read (never the strings of <see cref="L4Config"/>).</summary>
public sealed record L4Settings
{
    /// <summary>No services: the engine does not start.</summary>
    public static L4Settings Empty { get; } = new();

    /// <summary>The data interface; null only when there are no services.</summary>
    public string? Interface { get; init; }

    /// <summary>The balancer's own IPv4 address on the interface; 0: the interface's first address.</summary>
    public uint SourceAddress { get; init; }

    /// <summary>The balancer's IPv6 source for neighbour solicitations; 0: taken from the interface.</summary>
    public UInt128 SourceAddress6 { get; init; }

    /// <summary>Next hop for backends off the interface's subnets; 0: none.</summary>
    public uint Gateway { get; init; }

    /// <summary>Next hop for IPv6 backends outside the interface's IPv6 prefixes; 0: none.</summary>
    public UInt128 Gateway6 { get; init; }

    /// <summary>How long a backend removed by a reload keeps its tracked flows.</summary>
    public TimeSpan RetiredBackendGrace { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The connection table's limits and timeouts.</summary>
    public ConnectionTableOptions ConnectionTable { get; init; } = new();

    /// <summary>Receive workers in force (the configured count or the number of cores, at most <see cref="L4Config.MaxWorkers"/>).</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Transmit path and batching.</summary>
    public L4IoConfig Io { get; init; } = new();

    /// <summary>VIP announcement: the table and device (each service's own choice is <see cref="L4ServiceSettings.Announce"/>).</summary>
    public L4AnnounceConfig Announce { get; init; } = new();

    /// <summary>Services keyed by name, in config order.</summary>
    public IReadOnlyDictionary<string, L4ServiceSettings> Services { get; init; } = new Dictionary<string, L4ServiceSettings>();

    /// <summary>Validates <paramref name="config"/> and returns its parsed form; throws <see cref="ArgumentException"/> listing every problem (for callers that build config in code, such as tests).</summary>
    public static L4Settings Parse(L4Config config)
    {
        var errors = new List<ConfigError>();
        var settings = L4ConfigValidator.Validate(config, errors);
        return errors.Count == 0 ? settings : throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(config));
    }
}
