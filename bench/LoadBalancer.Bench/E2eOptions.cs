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
/// <param name="Traffic">Settings of the zero-loss, cold-start and overload rows.</param>
/// <param name="SeriesAdded">Contenders added by --series (not named in --contenders): they run only the series workloads.</param>
/// <param name="Family">--family: 4 (contenders as named), 6 (their IPv6 twins) or dual (each followed by its IPv6 twin).</param>
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
    TimeSpan Warmup,
    TrafficOptions Traffic,
    IReadOnlySet<string> SeriesAdded,
    string Family = "4");

/// <summary>Settings of the zero-loss search, the cold-start row and the overload row.</summary>
/// <param name="UdpThreads">Sender threads of the sendmmsg generator.</param>
/// <param name="FlowsPerThread">Source ports (flows) per sender thread.</param>
/// <param name="TrialLength">Length of one zero-loss trial.</param>
/// <param name="Steps">Paced trials after the unlimited one.</param>
/// <param name="MaxLossPercent">Loss a passing trial may have, in percent.</param>
/// <param name="ColdRate">Datagrams per second of the cold-start row.</param>
/// <param name="ColdLength">Sending time of the cold-start row.</param>
/// <param name="SynRate">SYNs per second of the overload row.</param>
/// <param name="SynLength">Flood length of the overload row.</param>
internal sealed record TrafficOptions(
    int UdpThreads = 2,
    int FlowsPerThread = 32,
    TimeSpan TrialLength = default,
    int Steps = 7,
    double MaxLossPercent = 0.1,
    long ColdRate = 50_000,
    TimeSpan ColdLength = default,
    double SynRate = 55_000,
    TimeSpan SynLength = default);
