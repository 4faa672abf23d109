using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LoadBalancer.Bench.Infra;
using LoadBalancer.Bench.Workloads;

namespace LoadBalancer.Bench.Reporting;

/// <summary>Writes results.md, results.json and the PNG plots into the output directory.</summary>
internal static partial class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes every output file and returns the Markdown text.</summary>
    public static string Write(E2eOptions options, string machine, string command, DateTimeOffset started, IReadOnlyList<RunRecord> records)
    {
        Directory.CreateDirectory(options.OutDir);
        var workloads = Workload.All.Where(w => options.Workloads.Contains(w.Id)).ToList();
        var summaries = Summary.From(records, options.Contenders, workloads.Select(w => w.Id));
        var plots = PlotWriter.Write(options.OutDir, summaries, options.Contenders, records);
        var md = Markdown(options, machine, command, started, workloads, summaries, records, plots);
        File.WriteAllText(Path.Combine(options.OutDir, "results.md"), md);
        var json = new
        {
            started,
            machine,
            command,
            options = new
            {
                options.Rounds, options.Family, durationSeconds = options.Duration.TotalSeconds, warmupSeconds = options.Warmup.TotalSeconds, options.Contenders, options.Workloads, options.UdpPackets, options.ForeignCoreShare, options.Quick,
                traffic = new
                {
                    options.Traffic.UdpThreads, options.Traffic.FlowsPerThread, trialSeconds = options.Traffic.TrialLength.TotalSeconds, options.Traffic.Steps, options.Traffic.MaxLossPercent,
                    options.Traffic.ColdRate, coldSeconds = options.Traffic.ColdLength.TotalSeconds, options.Traffic.SynRate, synSeconds = options.Traffic.SynLength.TotalSeconds,
                },
            },
            summaries,
            runs = records,
        };
        File.WriteAllText(Path.Combine(options.OutDir, "results.json"), JsonSerializer.Serialize(json, Json));
        return md;
    }

    private static string Markdown(
        E2eOptions o, string machine, string command, DateTimeOffset started, IReadOnlyList<Workload> workloads,
        IReadOnlyList<Summary> summaries, IReadOnlyList<RunRecord> records, IReadOnlyList<string> plots)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"# End-to-end comparison{(o.Quick ? " (smoke run: --quick)" : "")}").AppendLine();
        sb.AppendLine(inv, $"- date: {started:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine(inv, $"- machine: {machine}");
        sb.AppendLine(inv, $"- command: `{command}`");
        sb.AppendLine(inv, $"- {o.Rounds} round(s), {o.Duration.TotalSeconds:0.#} s per run after {o.Warmup.TotalSeconds:0.#} s of unmeasured warm-up per contender start, contenders alternate in this order each round: {string.Join(", ", o.Contenders)}");
        if (o.SeriesAdded.Count > 0)
        {
            sb.AppendLine(inv, $"- added by --series: {string.Join(", ", o.SeriesAdded)}; they run {string.Join(", ", Workload.SeriesIds)} only");
        }

        sb.AppendLine(inv, $"- took {DateTimeOffset.UtcNow - started:h\\:mm\\:ss} in all");
        int refused = records.Count(r => r.Refused), failed = records.Count(r => r.Failure is not null);
        sb.AppendLine(inv, $"- runs: {records.Count}, refused (other load above {o.ForeignCoreShare:0.##} core): {refused}, failed: {failed}");
        sb.AppendLine("- values: median (min–max) over accepted rounds; ratios are computed per round against `direct` and `nftables`, then the median taken.");
        Ipv6Note(sb, o.Contenders);
        sb.AppendLine("- CPU: contender = utime+stime of its processes and children from /proc/PID/stat; for `nftables` it is the whole machine's softirq time from /proc/stat (kernel DNAT has no process), which also contains the veth work of every other party. Cores = CPU seconds per second of run.");
        if (refused > 0)
        {
            sb.AppendLine("- **Rows marked `refused` come only from rounds in which other processes used more CPU than the threshold: the numbers are noisy.**");
        }

        sb.AppendLine();
        foreach (var w in workloads)
        {
            var rows = summaries.Where(s => s.Workload == w.Id).ToList();
            if (rows.Count == 0)
            {
                continue;
            }

            sb.AppendLine(inv, $"## {w.Title} ({w.Unit})").AppendLine();
            string fmt = w.Unit == "MB/s" ? "0.0" : "0";
            if (w.Kind == WorkloadKind.Udp)
            {
                sb.AppendLine("| contender | received pps | loss % | × direct | × nftables | CPU s / 1M pkt | generator cores | rounds |");
                sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
                foreach (var s in rows)
                {
                    sb.AppendLine(inv, $"| {s.Contender} | {s.Value.Format(fmt)} | {s.LossPercent.Format("0.0")} | {s.VsDirect.Format("0.00")} | {s.VsNftables.Format("0.00")} | {s.CpuPerUnit.Format("0.00")} | {s.GeneratorCores.Format("0.00")} | {Rounds(s)} |");
                }
            }
            else if (w.Kind == WorkloadKind.UdpZeroLoss)
            {
                var t = o.Traffic;
                sb.AppendLine(inv, $"Highest offered rate with at most {t.MaxLossPercent:0.###}% loss, counted by nftables at the backends: one unlimited trial, then {t.Steps} paced trials of {t.TrialLength.TotalSeconds:0.#} s (binary search; {t.UdpThreads} sendmmsg threads x {t.FlowsPerThread} flows, batches of 64). \"at most\" = the unlimited trial: what the generator offered and what arrived. A value marked ≥ is generator-bound: the contender lost nothing even then.").AppendLine();
                sb.AppendLine("| contender | UDP zero-loss pps | × direct | × nftables | at most: offered pps | at most: received pps | at most: loss % | CPU s / 1M pkt | rounds |");
                sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
                foreach (var s in rows)
                {
                    var bound = s.GeneratorBoundRounds > 0 ? "≥ " : "";
                    sb.AppendLine(inv, $"| {s.Contender} | {bound}{s.Value.Format(fmt)} | {s.VsDirect.Format("0.00")} | {s.VsNftables.Format("0.00")} | {s.MaxOfferedPps.Format("0")} | {s.MaxReceivedPps.Format("0")} | {s.LossPercent.Format("0.0")} | {s.CpuPerUnit.Format("0.00")} | {Rounds(s)} |");
                }
            }
            else if (w.Kind == WorkloadKind.ColdStart)
            {
                var t = o.Traffic;
                sb.AppendLine(inv, $"A fresh start of the contender; from the moment the harness's readiness probe (a GET through it) answers, {t.ColdRate:N0} pps of 64-byte UDP for {t.ColdLength.TotalSeconds:0.#} s (sequence-numbered, one sender); loss per second of sending at the backends' receivers. No warm-up before this row.").AppendLine();
                sb.AppendLine("| contender | loss % in the 1st second | loss % overall | rounds |");
                sb.AppendLine("| --- | ---: | ---: | --- |");
                foreach (var s in rows)
                {
                    sb.AppendLine(inv, $"| {s.Contender} | {s.Value.Format("0.00")} | {s.LossPercent.Format("0.00")} | {Rounds(s)} |");
                }
            }
            else if (w.Kind == WorkloadKind.Overload)
            {
                var t = o.Traffic;
                sb.AppendLine(inv, $"A spoofed SYN flood from the client namespace (raw socket, random client-subnet sources and ports) at {t.SynRate:N0} SYN/s for {t.SynLength.TotalSeconds:0.#} s, while a real client makes one request per new connection in a loop (each within {Traffic.Overload.RequestTimeout.TotalSeconds:0} s) and two downloads of {BenchLab.SlowBytes >> 20} MiB limited to {BenchLab.SlowMegabytesPerSecond} MB/s run across it (intact = complete and SHA-256 of a backend's file).").AppendLine();
                sb.AppendLine("| contender | client requests ok % | ok / tried | client ok req/s (one at a time) | downloads intact | SYN/s achieved | flood SYNs reaching the backends % | rounds |");
                sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
                foreach (var s in rows)
                {
                    sb.AppendLine(inv, $"| {s.Contender} | {s.Value.Format("0.0")} | {s.ClientOk} / {s.ClientTried} | {s.ClientOkPerSecond.Format("0")} | {s.DownloadsIntact} / {s.Downloads} | {s.FloodPps.Format("0")} | {s.SynsPassedPercent.Format("0")} | {Rounds(s)} |");
                }
            }
            else if (w.Kind == WorkloadKind.WarmUp)
            {
                int slices = E2eRunner.WarmSlices;
                sb.AppendLine(inv, $"A fresh start of the contender; from the moment the harness's readiness probe answers, {slices} back-to-back one-second wrk runs ({w.Connections} keep-alive connections, each run connecting again). Time to {WarmUpRecord.Threshold * 100:0}% = end of the first second whose rate reached {WarmUpRecord.Threshold * 100:0}% of the steady rate (the same round's ka64 run after the full warm-up, else the best of the last three seconds); \"> {slices}\" = not within {slices} s. Idle RSS = resident memory right after start, before any load.").AppendLine();
                sb.AppendLine(inv, $"| contender | s to {WarmUpRecord.Threshold * 100:0}% of steady | req/s in the 1st s | mean req/s, first 5 s | steady req/s | idle RSS MB | rounds |");
                sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
                foreach (var s in rows)
                {
                    var to = s.Value.Median > slices ? $"> {slices}" : s.Value.Format("0");
                    sb.AppendLine(inv, $"| {s.Contender} | {to} | {s.FirstSecondRps.Format("0")} | {s.FirstFiveSecondsRps.Format("0")} | {s.SteadyRps.Format("0")} | {s.RssIdleMb.Format("0")} | {Rounds(s)} |");
                }
            }
            else
            {
                bool haproxy = summaries.Any(x => x.Contender == "haproxy-http" && x.Workload == w.Id);
                string vsHaproxy = haproxy ? " × haproxy-http |" : "";
                sb.AppendLine(inv, $"| contender | {w.Unit} | p50 ms | p99 ms | × direct | × nftables |{vsHaproxy} CPU ms / 1k req | peak RSS MB | backend cores | wrk cores | errors | rounds |");
                sb.AppendLine(haproxy ? "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |" : "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
                foreach (var s in rows)
                {
                    string ratio = haproxy ? $" {s.VsHaproxyHttp.Format("0.00")} |" : "";
                    sb.AppendLine(inv, $"| {s.Contender} | {s.Value.Format(fmt)} | {s.P50Ms.Format("0.00")} | {s.P99Ms.Format("0.00")} | {s.VsDirect.Format("0.00")} | {s.VsNftables.Format("0.00")} |{ratio} {s.CpuPerUnit.Format("0.0")} | {s.RssPeakMb.Format("0")} | {s.BackendCores.Format("0.00")} | {s.GeneratorCores.Format("0.00")} | {s.Errors} | {Rounds(s)} |");
                }
            }

            sb.AppendLine();
        }

        BehindRouter(sb, records, workloads);
        Ipv6BesideIpv4(sb, summaries, workloads);
        var failures = summaries.Where(s => s.Failure is not null).ToList();
        if (failures.Count > 0)
        {
            sb.AppendLine("## Failures").AppendLine();
            foreach (var f in failures)
            {
                var msg = f.Failure!.ReplaceLineEndings(" ");
                sb.AppendLine(inv, $"- {f.Contender} / {f.Workload}: {(msg.Length > 200 ? msg[..200] + "..." : msg)}");
            }

            sb.AppendLine();
        }

        if (plots.Count > 0)
        {
            sb.AppendLine("## Plots").AppendLine();
            foreach (var p in plots)
            {
                sb.AppendLine(inv, $"![{Path.GetFileNameWithoutExtension(p)}]({p})");
            }
        }

        return sb.ToString();
    }

    /// <summary>Every run of a contender behind the router: how the router split the flows and what each balancer's process cost.</summary>
    private static void BehindRouter(StringBuilder sb, IReadOnlyList<RunRecord> records, IReadOnlyList<Workload> workloads)
    {
        var runs = records.Where(r => r.BalancerFlows is not null && r.BalancerCpuSeconds is not null).ToList();
        if (runs.Count == 0)
        {
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("## Balancers behind the router (ECMP over BGP)").AppendLine();
        sb.AppendLine("Each run of an `-router<N>` contender: the new flows each balancer started during the run (`lb_l4_new_flows_total`, so the router's ECMP split), and the CPU of each balancer's process; the sum is the contender CPU of the tables above. Every process shares the machine's cores with the client, the backends and the router's softirq work, so two balancers cannot add capacity here: the figure is bounded by the cores, not by one balancer. A run in which a balancer started no flow is a failure.").AppendLine();
        sb.AppendLine("| contender | workload | round | new flows per balancer (share) | CPU s per balancer | CPU s sum | cores (sum) | CPU per unit, per balancer | CPU per unit, sum |");
        sb.AppendLine("| --- | --- | ---: | --- | --- | ---: | ---: | --- | ---: |");
        foreach (var r in runs)
        {
            var w = workloads.FirstOrDefault(x => x.Id == r.Workload);
            // The same unit as the tables above: ms per 1k requests (HTTP) or s per 1M packets (UDP), both CPU s / count x 1e6.
            string unit = w is not null && w.IsUdp ? "s / 1M pkt" : "ms / 1k req";
            string PerUnit(double cpu) => r.Count > 0 ? (cpu / r.Count * 1e6).ToString("0.00", inv) : "-";
            var cpu = r.BalancerCpuSeconds!;
            sb.AppendLine(inv, $"| {r.Contender} | {r.Workload} | {r.Round} | {RunRecord.Shares(r.BalancerFlows!)} | {string.Join(" / ", cpu.Select(c => c.ToString("0.00", inv)))} | {cpu.Sum():0.00} | {(r.Seconds > 0 ? cpu.Sum() / r.Seconds : double.NaN):0.00} | {string.Join(" / ", cpu.Select(PerUnit))} {unit} | {PerUnit(cpu.Sum())} {unit} |");
        }

        sb.AppendLine();
    }

    private static string Rounds(Summary s)
    {
        var notes = new List<string>();
        if (s.Refused > 0)
        {
            notes.Add($"{s.Refused} refused");
        }

        if (s.Failed > 0)
        {
            notes.Add($"{s.Failed} failed");
        }

        var n = s.Rounds.ToString(CultureInfo.InvariantCulture);
        return notes.Count == 0 ? n : $"{n} ({string.Join(", ", notes)})";
    }
}
