using System.Diagnostics;
using System.Globalization;
using LoadBalancer.Bench.Contenders;
using LoadBalancer.Bench.Infra;
using LoadBalancer.Bench.Reporting;
using LoadBalancer.Bench.Workloads;
using Spectre.Console;

namespace LoadBalancer.Bench;

/// <summary>Builds the lab, runs every contender through every workload for N alternating rounds, and tears it all down.</summary>
internal sealed class E2eRunner(E2eOptions options, CancellationToken cancel)
{
    private readonly List<RunRecord> _records = [];

    /// <summary>Runs the benchmark and returns every record (also when cancelled part-way).</summary>
    public IReadOnlyList<RunRecord> Run(BenchLab lab)
    {
        var contenders = options.Contenders.Select(ContenderCatalog.Create).ToList();
        var workloads = Workload.All.Where(w => options.Workloads.Contains(w.Id)).ToList();
        int total = options.Rounds * contenders.Sum(c => workloads.Count(w => Applies(c, w)));
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting", maxValue: total);
                for (int round = 1; round <= options.Rounds && !cancel.IsCancellationRequested; round++)
                {
                    foreach (var c in contenders)
                    {
                        if (cancel.IsCancellationRequested)
                        {
                            break;
                        }

                        var mine = workloads.Where(w => Applies(c, w)).ToList();
                        task.Description = $"round {round}/{options.Rounds} {c.Name}: starting";
                        string? startFailure = null;
                        try
                        {
                            lab.SetRoutes(c.Routes);
                            c.Start(lab);
                            var warmup = options.Warmup > c.MinimumWarmup ? options.Warmup : c.MinimumWarmup;
                            if (warmup > TimeSpan.Zero)
                            {
                                // Unmeasured traffic first: JIT tiering, connection pools and caches settle for every contender alike.
                                task.Description = $"round {round}/{options.Rounds} {c.Name}: warm-up";
                                WrkRunner.Run(lab.Layout.Client.Namespace, c.HttpBase(lab) + "/small", 32, warmup, close: false);
                            }
                        }
                        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or FormatException)
                        {
                            startFailure = $"start failed: {ex.Message}";
                            AnsiConsole.MarkupLineInterpolated($"[red]{c.Name}[/] round {round}: {Trim(startFailure)}");
                        }

                        try
                        {
                            foreach (var w in mine)
                            {
                                if (cancel.IsCancellationRequested)
                                {
                                    break;
                                }

                                task.Description = $"round {round}/{options.Rounds} {c.Name,-12} {w.Id}";
                                var record = startFailure is null
                                    ? Measure(lab, c, w, round)
                                    : new RunRecord { Round = round, Contender = c.Name, Workload = w.Id, Failure = startFailure };
                                _records.Add(record);
                                Announce(record, w);
                                task.Increment(1);
                            }
                        }
                        finally
                        {
                            c.Stop(lab);
                        }
                    }
                }

                task.Description = cancel.IsCancellationRequested ? "cancelled" : "done";
            });
        return _records;
    }

    /// <summary>Whether workload <paramref name="w"/> is run through contender <paramref name="c"/>.</summary>
    public static bool Applies(Contender c, Workload w) => w.Kind != WorkloadKind.Udp || c.Udp;

    private RunRecord Measure(BenchLab lab, Contender c, Workload w, int round)
    {
        var backendPids = lab.BackendPids;
        var self = Process.GetCurrentProcess();
        var cpu0 = CpuSample.Read();
        long cont0 = ProcCpu.TreeTicks(c.Pids), back0 = ProcCpu.TreeTicks(backendPids);
        self.Refresh();
        var self0 = self.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var record = new RunRecord { Round = round, Contender = c.Name, Workload = w.Id };
        long generatorTicks = 0;
        try
        {
            if (w.Kind == WorkloadKind.Http)
            {
                var r = WrkRunner.Run(lab.Layout.Client.Namespace, c.HttpBase(lab) + w.Path, w.Connections, options.Duration, w.Close);
                generatorTicks = r.CpuTicks;
                double value = w.Path == BenchLab.LargePath ? r.Rps * BenchLab.LargeBytes / 1e6 : r.Rps;
                record = record with { Value = r.Requests > 0 ? value : double.NaN, P50Ms = r.P50Ms, P99Ms = r.P99Ms, Count = r.Requests, Errors = r.Errors };
                if (r.Requests == 0)
                {
                    record = record with { Failure = "no request completed" };
                }
            }
            else
            {
                var r = UdpFlood.Run(lab.Layout.Client.Namespace, lab.Layout.Backends.Select(b => b.Namespace).ToList(), c.UdpTarget(lab), options.UdpPackets, options.Duration);
                record = record with
                {
                    Value = r.Received > 0 ? r.ReceivedPps : double.NaN,
                    Count = r.Received,
                    Sent = r.Sent,
                    Errors = r.SendErrors,
                    LossPercent = r.LossPercent,
                    PerBackend = r.PerBackend,
                    Failure = r.Received == 0 ? "no datagram arrived" : null,
                };
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or TimeoutException or IOException or System.Net.Sockets.SocketException)
        {
            record = record with { Failure = ex.Message };
        }

        double seconds = sw.Elapsed.TotalSeconds;
        var cpu = CpuSample.Read() - cpu0;
        long cont = ProcCpu.TreeTicks(c.Pids) - cont0, back = ProcCpu.TreeTicks(backendPids) - back0;
        self.Refresh();
        long selfTicks = (long)((self.TotalProcessorTime - self0).TotalSeconds * CpuSample.TicksPerSecond);
        long contenderTicks = c.CpuIsSoftIrq ? cpu.SoftIrq : cont;
        long foreign = cpu.Busy - cpu.SoftIrq - cpu.Irq - cont - back - generatorTicks - selfTicks;
        double foreignSec = Math.Max(0, foreign) / CpuSample.TicksPerSecond;
        double contenderSec = contenderTicks / CpuSample.TicksPerSecond;
        double perUnit = record.Count <= 0 || (c.Pids.Count == 0 && !c.CpuIsSoftIrq)
            ? double.NaN
            : w.Kind == WorkloadKind.Udp ? contenderSec / record.Count * 1e6 : contenderSec * 1000 / record.Count * 1000;
        return record with
        {
            Seconds = seconds,
            ContenderCpuSeconds = contenderSec,
            BackendCpuSeconds = back / CpuSample.TicksPerSecond,
            GeneratorCpuSeconds = (w.Kind == WorkloadKind.Udp ? selfTicks : generatorTicks) / CpuSample.TicksPerSecond,
            SoftIrqSeconds = cpu.SoftIrq / CpuSample.TicksPerSecond,
            ForeignCpuSeconds = foreignSec,
            Refused = foreignSec > options.ForeignCoreShare * seconds,
            CpuPerUnit = perUnit,
        };
    }

    private static void Announce(RunRecord r, Workload w)
    {
        var inv = CultureInfo.InvariantCulture;
        if (r.Failure is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"  [red]FAIL[/] r{r.Round} {r.Contender,-12} {w.Id,-6} {Trim(r.Failure)}");
            return;
        }

        var detail = w.Kind == WorkloadKind.Udp
            ? string.Format(inv, "sent {0:N0} received {1:N0} loss {2:0.0}%", r.Sent, r.Count, r.LossPercent)
            : string.Format(inv, "p50 {0:0.00} ms p99 {1:0.00} ms errors {2}", r.P50Ms, r.P99Ms, r.Errors);
        var refused = r.Refused ? string.Format(inv, " [yellow]REFUSED[/] (other load {0:0.00} cores)", r.ForeignCpuSeconds / r.Seconds) : "";
        AnsiConsole.MarkupLine(string.Format(inv, "  r{0} {1,-12} {2,-6} [bold]{3:N0}[/] {4} {5}{6}",
            r.Round, Markup.Escape(r.Contender), w.Id, r.Value, w.Unit, Markup.Escape(detail), refused));
    }

    private static string Trim(string s) => s.Length > 300 ? s[..300] + "..." : s;
}
