namespace LoadBalancer.Bench;

/// <summary>Settings of one `e2e` run.</summary>
/// <param name="Rounds">How many times every contender runs every workload (alternating contenders).</param>
/// <param name="Duration">Length of each measured run.</param>
/// <param name="Contenders">Contender names, in run order.</param>
/// <param name="Workloads">Workload ids.</param>
/// <param name="OutDir">Where the Markdown, JSON and PNG files go.</param>
/// <param name="UdpPackets">Upper bound of datagrams per UDP run.</param>
/// <param name="ForeignCoreShare">Share of one core that may go to other processes before a run is refused.</param>
/// <param name="BalancerDll">The balancer.dll our contenders run.</param>
/// <param name="Quick">Whether this is a --quick smoke run.</param>
/// <param name="Warmup">Unmeasured HTTP load after each contender starts.</param>
internal sealed record E2eOptions(
    int Rounds,
    TimeSpan Duration,
    IReadOnlyList<string> Contenders,
    IReadOnlyList<string> Workloads,
    string OutDir,
    long UdpPackets,
    double ForeignCoreShare,
    string BalancerDll,
    bool Quick,
    TimeSpan Warmup);
