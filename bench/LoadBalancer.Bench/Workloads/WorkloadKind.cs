namespace LoadBalancer.Bench.Workloads;

/// <summary>What generates a workload.</summary>
internal enum WorkloadKind
{
    /// <summary>wrk in the client namespace.</summary>
    Http,

    /// <summary>The harness's own UDP sender and receivers.</summary>
    Udp,

    /// <summary>Zero-loss throughput: the sendmmsg generator, counted by nftables at the backends, binary search over the rate.</summary>
    UdpZeroLoss,

    /// <summary>UDP at a fixed rate from the moment a freshly started contender is ready; loss per second.</summary>
    ColdStart,

    /// <summary>One-second wrk slices from the moment a freshly started contender is ready: how soon it reaches its steady rate.</summary>
    WarmUp,

    /// <summary>A spoofed-SYN flood while a real client connects and two downloads run.</summary>
    Overload,
}
