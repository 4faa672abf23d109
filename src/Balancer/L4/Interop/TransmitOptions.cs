namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>How the engine's capture handles and transmitters are opened (config <c>L4:Io</c>).</summary>
public sealed record TransmitOptions
{
    /// <summary>The transmit path.</summary>
    public TransmitKind Kind { get; init; } = TransmitKind.Ring;

    /// <summary>Frames per flush (and per receive batch).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Frames in each PACKET_TX_RING (ring kind only).</summary>
    public int RingFrames { get; init; } = 1024;

    /// <summary>PACKET_QDISC_BYPASS: frames skip the interface's queueing discipline (faster; tc shaping and queueing no longer apply).</summary>
    public bool QdiscBypass { get; init; }

    /// <summary>Kernel capture buffer per worker handle, in bytes (null: libpcap's default).</summary>
    public int? ReceiveBufferBytes { get; init; }

    /// <summary>New-flow SYNs get capture queues of their own (libpcap's default buffer), so a SYN flood cannot fill or delay the queues of tracked flows.</summary>
    public bool SeparateSynQueue { get; init; }
}
