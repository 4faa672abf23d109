using LoadBalancer.Bench.Contenders;

namespace LoadBalancer.Bench.Reporting;

/// <summary>One contender on one workload over all rounds: medians and ranges, ratios computed per round.</summary>
internal sealed record Summary
{
    /// <summary>Contender name.</summary>
    public required string Contender { get; init; }

    /// <summary>Workload id.</summary>
    public required string Workload { get; init; }

    /// <summary>IPv4 or IPv6: the family the contender ran over (<see cref="ContenderFamily"/>).</summary>
    public string Family => ContenderFamily.Label(Contender);

    /// <summary>Rounds that produced a value.</summary>
    public int Rounds { get; init; }

    /// <summary>Of those, rounds refused because the machine was busy with other work.</summary>
    public int Refused { get; init; }

    /// <summary>Rounds that failed.</summary>
    public int Failed { get; init; }

    /// <summary>True when the statistics below use refused rounds because no round was accepted.</summary>
    public bool FromRefusedRounds { get; init; }

    /// <summary>Median, minimum and maximum of the primary value.</summary>
    public Stat Value { get; init; }

    /// <summary>Median p50 latency (ms).</summary>
    public Stat P50Ms { get; init; }

    /// <summary>Median p99 latency (ms).</summary>
    public Stat P99Ms { get; init; }

    /// <summary>Value divided by direct's value in the same round (direct6's for an IPv6 contender).</summary>
    public Stat VsDirect { get; init; }

    /// <summary>Value divided by nftables DNAT's value in the same round (nftables6's for an IPv6 contender).</summary>
    public Stat VsNftables { get; init; }

    /// <summary>An IPv6 contender's value divided by its IPv4 twin's in the same round (l4-nat6 over l4-nat); empty for IPv4.</summary>
    public Stat VsIpv4Twin { get; init; }

    /// <summary>Contender CPU per unit (ms per 1k requests, or s per 1M packets).</summary>
    public Stat CpuPerUnit { get; init; }

    /// <summary>Backends' CPU in cores (seconds of CPU per second of run).</summary>
    public Stat BackendCores { get; init; }

    /// <summary>Load generator's CPU in cores.</summary>
    public Stat GeneratorCores { get; init; }

    /// <summary>UDP loss in percent.</summary>
    public Stat LossPercent { get; init; }

    /// <summary>Zero-loss: offered pps of the unlimited trial.</summary>
    public Stat MaxOfferedPps { get; init; }

    /// <summary>Zero-loss: received pps of the unlimited trial.</summary>
    public Stat MaxReceivedPps { get; init; }

    /// <summary>Zero-loss: rounds in which even the unlimited trial passed (the value is a lower bound).</summary>
    public int GeneratorBoundRounds { get; init; }

    /// <summary>Overload: the real client's requests over all rounds.</summary>
    public long ClientTried { get; init; }

    /// <summary>Overload: of those, successful.</summary>
    public long ClientOk { get; init; }

    /// <summary>Overload: the real client's successful requests per second of flood.</summary>
    public Stat ClientOkPerSecond { get; init; }

    /// <summary>Overload: downloads over all rounds.</summary>
    public int Downloads { get; init; }

    /// <summary>Overload: of those, intact.</summary>
    public int DownloadsIntact { get; init; }

    /// <summary>Overload: SYNs per second achieved.</summary>
    public Stat FloodPps { get; init; }

    /// <summary>Overload: share of the flood's SYNs that reached the backends, in percent.</summary>
    public Stat SynsPassedPercent { get; init; }

    /// <summary>Value divided by HAProxy (http mode)'s value in the same round.</summary>
    public Stat VsHaproxyHttp { get; init; }

    /// <summary>Peak resident memory of the contender's processes (MB).</summary>
    public Stat RssPeakMb { get; init; }

    /// <summary>Warm-up: resident memory right after start (MB).</summary>
    public Stat RssIdleMb { get; init; }

    /// <summary>Warm-up: req/s in the first second after start.</summary>
    public Stat FirstSecondRps { get; init; }

    /// <summary>Warm-up: mean req/s over the first five seconds after start.</summary>
    public Stat FirstFiveSecondsRps { get; init; }

    /// <summary>Warm-up: the steady req/s the slices were compared with.</summary>
    public Stat SteadyRps { get; init; }

    /// <summary>Errors summed over rounds.</summary>
    public long Errors { get; init; }

    /// <summary>The first failure message, if any.</summary>
    public string? Failure { get; init; }

    /// <summary>Summarises the records of one run.</summary>
    public static IReadOnlyList<Summary> From(IReadOnlyList<RunRecord> records, IEnumerable<string> contenders, IEnumerable<string> workloads)
    {
        var result = new List<Summary>();
        foreach (var w in workloads)
        {
            foreach (var c in contenders)
            {
                var mine = records.Where(r => r.Contender == c && r.Workload == w).ToList();
                if (mine.Count == 0)
                {
                    continue;
                }

                var ok = mine.Where(r => r.Failure is null && !double.IsNaN(r.Value)).ToList();
                var accepted = ok.Where(r => !r.Refused).ToList();
                bool fromRefused = accepted.Count == 0 && ok.Count > 0;
                var use = fromRefused ? ok : accepted;
                // Against the baseline of the contender's own family: an IPv6 row over direct6 and nftables6.
                Stat Ratio(string baseline) => baseline.Length == 0 ? Stat.Of([]) : Stat.Of(use.Select(r =>
                {
                    var b = records.FirstOrDefault(x => x.Contender == baseline && x.Workload == w && x.Round == r.Round && x.Failure is null);
                    return b is null || b.Value <= 0 ? double.NaN : r.Value / b.Value;
                }));
                result.Add(new Summary
                {
                    Contender = c,
                    Workload = w,
                    Rounds = ok.Count,
                    Refused = ok.Count(r => r.Refused),
                    Failed = mine.Count - ok.Count,
                    FromRefusedRounds = fromRefused,
                    Value = Stat.Of(use.Select(r => r.Value)),
                    P50Ms = Stat.Of(use.Select(r => r.P50Ms)),
                    P99Ms = Stat.Of(use.Select(r => r.P99Ms)),
                    VsDirect = Ratio(ContenderFamily.BaselineFor(c, "direct")),
                    VsNftables = Ratio(ContenderFamily.BaselineFor(c, "nftables")),
                    VsHaproxyHttp = Ratio(ContenderFamily.BaselineFor(c, "haproxy-http")),
                    VsIpv4Twin = Ratio(ContenderFamily.Ipv4Twin(c) ?? ""),
                    RssPeakMb = Stat.Of(use.Select(r => r.RssPeakMb)),
                    RssIdleMb = Stat.Of(use.Select(r => r.RssIdleMb)),
                    FirstSecondRps = Stat.Of(use.Select(r => r.WarmSeries is { Count: > 0 } ws ? ws[0] : double.NaN)),
                    FirstFiveSecondsRps = Stat.Of(use.Select(r => r.WarmSeries is { Count: >= 5 } ws ? ws.Take(5).Average() : double.NaN)),
                    SteadyRps = Stat.Of(use.Select(r => r.SteadyRps)),
                    CpuPerUnit = Stat.Of(use.Select(r => r.CpuPerUnit)),
                    BackendCores = Stat.Of(use.Select(r => r.BackendCpuSeconds / r.Seconds)),
                    GeneratorCores = Stat.Of(use.Select(r => r.GeneratorCpuSeconds / r.Seconds)),
                    LossPercent = Stat.Of(use.Select(r => r.LossPercent)),
                    Errors = use.Sum(r => r.Errors),
                    MaxOfferedPps = Stat.Of(use.Select(r => r.MaxOfferedPps)),
                    MaxReceivedPps = Stat.Of(use.Select(r => r.MaxReceivedPps)),
                    GeneratorBoundRounds = use.Count(r => r.GeneratorBound),
                    ClientTried = use.Sum(r => (long)r.ClientTried),
                    ClientOk = use.Sum(r => r.Count),
                    ClientOkPerSecond = Stat.Of(use.Select(r => r.ClientOkPerSecond)),
                    Downloads = use.Sum(r => r.Downloads),
                    DownloadsIntact = use.Sum(r => r.DownloadsIntact),
                    FloodPps = Stat.Of(use.Select(r => r.FloodPps)),
                    SynsPassedPercent = Stat.Of(use.Select(r => r.FloodSent > 0 ? 100.0 * Math.Min(r.FloodSent, r.SynsAtBackends) / r.FloodSent : double.NaN)),
                    Failure = mine.FirstOrDefault(r => r.Failure is not null)?.Failure,
                });
            }
        }

        return result;
    }
}
