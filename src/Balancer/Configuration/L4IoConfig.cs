using LoadBalancer.Balancer.L4.Interop;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>The L4 engine's I/O: transmit path, batch size, TX ring size, qdisc bypass (config <c>L4:Io</c>).</summary>
public sealed record L4IoConfig
{
    /// <summary>Smallest and largest batch.</summary>
    public const int MinBatchSize = 1, MaxBatchSize = 1024;

    /// <summary>Smallest and largest TX ring.</summary>
    public const int MinRingFrames = 16, MaxRingFrames = 65536;

    /// <summary><c>sendmmsg</c> (default), <c>ring</c> or <c>pcap</c>.</summary>
    public string Transmit { get; init; } = "sendmmsg";

    /// <summary>PACKET_QDISC_BYPASS on the transmit socket (sendmmsg and ring).</summary>
    public bool QdiscBypass { get; init; }

    /// <summary>Frames per transmit flush and per receive batch.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Frames in each worker's TX ring (ring only).</summary>
    public int RingFrames { get; init; } = 1024;

    /// <summary>Parses <see cref="Transmit"/>; false for an unknown name.</summary>
    public static bool TryParseTransmit(string? text, out TransmitKind kind)
    {
        kind = text?.ToLowerInvariant() switch
        {
            "sendmmsg" => TransmitKind.Sendmmsg,
            "ring" => TransmitKind.Ring,
            "pcap" => TransmitKind.Pcap,
            _ => (TransmitKind)(-1),
        };
        return (int)kind >= 0;
    }

    /// <summary>The validated settings as transmitter options.</summary>
    public TransmitOptions ToOptions() => new()
    {
        Kind = TryParseTransmit(Transmit, out var kind) ? kind : TransmitKind.Sendmmsg,
        QdiscBypass = QdiscBypass,
        BatchSize = BatchSize,
        RingFrames = RingFrames,
    };
}
