namespace LoadBalancer.Bench.Reporting;

/// <summary>One measured run: one contender, one workload, one round.</summary>
internal sealed record RunRecord
{
    /// <summary>Round number, from 1.</summary>
    public required int Round { get; init; }

    /// <summary>Contender name.</summary>
    public required string Contender { get; init; }

    /// <summary>Workload id.</summary>
    public required string Workload { get; init; }

    /// <summary>The primary value (req/s, conn/s, MB/s or received pps); NaN when the run failed.</summary>
    public double Value { get; init; } = double.NaN;

    /// <summary>Median latency in ms (HTTP workloads).</summary>
    public double P50Ms { get; init; } = double.NaN;

    /// <summary>99th percentile latency in ms (HTTP workloads).</summary>
    public double P99Ms { get; init; } = double.NaN;

    /// <summary>Requests completed or datagrams received.</summary>
    public long Count { get; init; }

    /// <summary>HTTP errors (socket errors + non-2xx) or UDP send errors.</summary>
    public long Errors { get; init; }

    /// <summary>UDP: datagrams sent.</summary>
    public long Sent { get; init; }

    /// <summary>UDP: percent lost.</summary>
    public double LossPercent { get; init; } = double.NaN;

    /// <summary>UDP: datagrams counted per backend.</summary>
    public IReadOnlyList<long>? PerBackend { get; init; }

    /// <summary>Wall time of the measurement in seconds.</summary>
    public double Seconds { get; init; }

    /// <summary>CPU seconds of the contender's processes (nftables: the machine's softirq seconds).</summary>
    public double ContenderCpuSeconds { get; init; }

    /// <summary>CPU seconds of the backends' web servers and decapsulators.</summary>
    public double BackendCpuSeconds { get; init; }

    /// <summary>CPU seconds of the load generator (wrk, or the harness's own UDP threads).</summary>
    public double GeneratorCpuSeconds { get; init; }

    /// <summary>The machine's softirq CPU seconds during the run.</summary>
    public double SoftIrqSeconds { get; init; }

    /// <summary>Busy CPU seconds of the machine not accounted to the contender, generator, backends, harness or softirq.</summary>
    public double ForeignCpuSeconds { get; init; }

    /// <summary>True when <see cref="ForeignCpuSeconds"/> exceeded the threshold: the machine was not quiet.</summary>
    public bool Refused { get; init; }

    /// <summary>Why the run failed, or null.</summary>
    public string? Failure { get; init; }

    /// <summary>Zero-loss: offered pps of the unlimited first trial.</summary>
    public double MaxOfferedPps { get; init; } = double.NaN;

    /// <summary>Zero-loss: received pps of the unlimited first trial (what the contender carries when overloaded).</summary>
    public double MaxReceivedPps { get; init; } = double.NaN;

    /// <summary>Zero-loss: the unlimited trial was within the loss limit, so the value is the generator's rate.</summary>
    public bool GeneratorBound { get; init; }

    /// <summary>Zero-loss: every trial.</summary>
    public IReadOnlyList<Traffic.LossTrial>? Trials { get; init; }

    /// <summary>Cold start: loss of each second of sending, in percent.</summary>
    public IReadOnlyList<double>? PerSecondLossPercent { get; init; }

    /// <summary>Overload: requests the real client started during the flood (<see cref="Count"/> of them succeeded).</summary>
    public int ClientTried { get; init; }

    /// <summary>Overload: the real client's successful requests per second of flood (a sequential loop, so this shows latency).</summary>
    public double ClientOkPerSecond { get; init; } = double.NaN;

    /// <summary>Overload: downloads running across the flood.</summary>
    public int Downloads { get; init; }

    /// <summary>Overload: of those, complete with a matching SHA-256.</summary>
    public int DownloadsIntact { get; init; }

    /// <summary>Overload: SYNs sent.</summary>
    public long FloodSent { get; init; }

    /// <summary>Overload: SYNs per second achieved.</summary>
    public double FloodPps { get; init; } = double.NaN;

    /// <summary>Overload: flood SYNs counted at the backends during the row (the real client's and the downloads' connections taken off).</summary>
    public long SynsAtBackends { get; init; }

    /// <summary>A remark on an otherwise successful run (e.g. why a download broke).</summary>
    public string? Note { get; init; }

    /// <summary>Contender CPU per unit: ms per 1k requests (HTTP) or s per 1M packets (UDP).</summary>
    public double CpuPerUnit { get; init; } = double.NaN;

    /// <summary>Behind the router: new flows each balancer started during the run (from its lb_l4_new_flows_total), in balancer order.</summary>
    public IReadOnlyList<double>? BalancerFlows { get; init; }

    /// <summary>Behind the router: CPU seconds of each balancer's process during the run (their sum is <see cref="ContenderCpuSeconds"/>).</summary>
    public IReadOnlyList<double>? BalancerCpuSeconds { get; init; }

    /// <summary>Highest resident memory of the contender's processes so far (VmHWM summed over its process tree), in MB, read at the end of the run.</summary>
    public double RssPeakMb { get; init; } = double.NaN;

    /// <summary>Warm-up row: resident memory of the contender's processes right after start, before any load, in MB.</summary>
    public double RssIdleMb { get; init; } = double.NaN;

    /// <summary>Warm-up row: req/s of each one-second slice from the moment the fresh start answered.</summary>
    public IReadOnlyList<double>? WarmSeries { get; init; }

    /// <summary>Warm-up row: the steady req/s the slices are compared with.</summary>
    public double SteadyRps { get; init; } = double.NaN;

    /// <summary>Counts with their share of the total, e.g. <c>120 (48%) / 130 (52%)</c>.</summary>
    public static string Shares(IReadOnlyList<double> counts)
    {
        double total = counts.Sum();
        return string.Join(" / ", counts.Select(c => string.Format(System.Globalization.CultureInfo.InvariantCulture, "{0:0} ({1:0}%)", c, total > 0 ? c * 100 / total : 0)));
    }
}
