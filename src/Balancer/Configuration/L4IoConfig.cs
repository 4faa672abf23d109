using LoadBalancer.Balancer.L4.Interop;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>The L4 engine's I/O: transmit path, batch size, TX ring size, qdisc bypass, receive buffer (config <c>L4:Io</c>).</summary>
public sealed record L4IoConfig
{
    /// <summary>Smallest and largest batch.</summary>
    public const int MinBatchSize = 1, MaxBatchSize = 1024;

    /// <summary>Smallest and largest TX ring.</summary>
    public const int MinRingFrames = 16, MaxRingFrames = 65536;

    /// <summary>Smallest and largest kernel receive buffer per worker, in MiB.</summary>
    public const int MinReceiveBufferMiB = 1, MaxReceiveBufferMiB = 1024;

    /// <summary><c>ring</c> (default: the fastest in bench/RESULTS.md), <c>sendmmsg</c> or <c>pcap</c>.</summary>
    public string Transmit { get; set; } = "ring";

    /// <summary>PACKET_QDISC_BYPASS on the transmit socket (sendmmsg and ring).</summary>
    public bool QdiscBypass { get; init; }

    /// <summary>Frames per transmit flush and per receive batch.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>Frames in each worker's TX ring (ring only).</summary>
    public int RingFrames { get; set; } = 1024;

    /// <summary>Kernel capture buffer of each worker's handle, in MiB: a burst the workers cannot keep up with waits here instead of being dropped by the kernel (libpcap's default is 2 MiB, about 20k small frames).</summary>
    public int ReceiveBufferMiB { get; set; } = 16;

    /// <summary>New-flow TCP SYNs are captured on queues (and worker threads) of their own, so a SYN flood overflows only those and tracked flows keep their queues and CPU.</summary>
    public bool SynQueue { get; set; } = true;

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
        Kind = TryParseTransmit(Transmit, out var kind) ? kind : TransmitKind.Ring,
        QdiscBypass = QdiscBypass,
        BatchSize = BatchSize,
        RingFrames = RingFrames,
        ReceiveBufferBytes = ReceiveBufferMiB << 20,
        SeparateSynQueue = SynQueue,
    };
}
