namespace LoadBalancer.Modes.Flows;

/// <summary>Size, timeouts and full-table behaviour of a <see cref="ConnectionTable"/>.</summary>
public sealed record ConnectionTableOptions
{
    /// <summary>Maximum number of tracked flows.</summary>
    public int Capacity { get; init; } = 65_536;

    /// <summary>Idle timeout of a TCP flow whose handshake is not complete.</summary>
    public TimeSpan SynSeenTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Idle timeout of an established TCP flow.</summary>
    public TimeSpan EstablishedTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Idle timeout after FIN or RST.</summary>
    public TimeSpan ClosingTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Idle timeout of a UDP flow.</summary>
    public TimeSpan UdpTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>What to do with a new flow when the table is full.</summary>
    public TableFullBehavior WhenFull { get; init; } = TableFullBehavior.EvictOldestIdle;
}
