namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>How a <see cref="PcapPort"/> opens its interface.</summary>
/// <param name="InterfaceName">Name of the interface to open, in the network namespace of the opening thread.</param>
/// <param name="Filter">BPF filter expression applied in the kernel (pcap-filter syntax); empty captures everything.</param>
public sealed record PcapPortOptions(string InterfaceName, string Filter)
{
    /// <summary>Whether to put the interface in promiscuous mode (off: the VIP's MAC is the interface's own).</summary>
    public bool Promiscuous { get; init; }

    /// <summary>Largest number of bytes captured per frame.</summary>
    public int Snaplen { get; init; } = 65535;

    /// <summary>How long the receive thread waits in poll() for a frame before it checks for Stop, in milliseconds.</summary>
    public int ReadTimeoutMilliseconds { get; init; } = 100;

    /// <summary>Kernel capture buffer size in bytes; null keeps libpcap's default (2 MB).</summary>
    public int? KernelBufferSize { get; init; }

    /// <summary>Most frames read from libpcap per receive batch before the handler's <see cref="IFrameHandler.EndBatch"/>.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Which direction to capture; inbound only by default so the port never re-captures what it sent.</summary>
    public PcapDirection Direction { get; init; } = PcapDirection.In;
}
