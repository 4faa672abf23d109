namespace LoadBalancer.Bench.Workloads;

/// <summary>What generates a workload.</summary>
internal enum WorkloadKind
{
    /// <summary>wrk in the client namespace.</summary>
    Http,

    /// <summary>The harness's own UDP sender and receivers.</summary>
    Udp,
}
