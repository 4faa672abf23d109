using System.Diagnostics;
using System.Globalization;
using LoadBalancer.Bench.Contenders;
using LoadBalancer.Bench.Infra;
using LoadBalancer.Bench.Reporting;
using LoadBalancer.Bench.Traffic;
using LoadBalancer.Bench.Workloads;
using Spectre.Console;

namespace LoadBalancer.Bench;

/// <summary>Builds the lab, runs every contender through every workload for N alternating rounds, and tears it all down.</summary>
internal sealed class E2eRunner(E2eOptions options, CancellationToken cancel)
{
    private readonly List<RunRecord> _records = [];

    /// <summary>Runs the benchmark and returns every record (also when cancelled part-way).</summary>
    public IReadOnlyList<RunRecord> Run(BenchLabs labs)
    {
        var contenders = options.Contenders.Select(ContenderCatalog.Create).ToList();
        var workloads = Workload.All.Where(w => options.Workloads.Contains(w.Id)).ToList();
        int total = options.Rounds * contenders.Sum(c => workloads.Count(w => Applies(options, c, w)));
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

                        var lab = labs.LabOf(c);
                        var mine = workloads.Where(w => Applies(options, c, w) && w.Kind is not (WorkloadKind.ColdStart or WorkloadKind.WarmUp)).ToList();
                        bool running = false;
                        if (workloads.FirstOrDefault(w => w.Kind == WorkloadKind.ColdStart) is { } cold && Applies(options, c, cold))
                        {
                            // The row measures the first seconds of a fresh process, before any warm-up; the same
                            // process then goes on with its warm-up and the other workloads.
                            task.Description = $"round {round}/{options.Rounds} {c.Name,-12} cold start";
                            var record = MeasureColdStart(lab, c, cold, round, out running);
                            _records.Add(record);
                            Announce(record, cold);
                            task.Increment(1);
                        }

                        task.Description = $"round {round}/{options.Rounds} {c.Name}: starting";
                        string? startFailure = null;
                        RunRecord? warmRecord = null;
                        try
                        {
                            if (!running)
                            {
                                lab.SetRoutes(c.Routes);
                                c.Start(lab);
                            }

                            var warmup = options.Warmup > c.MinimumWarmup ? options.Warmup : c.MinimumWarmup;
                            if (workloads.FirstOrDefault(w => w.Kind == WorkloadKind.WarmUp) is { } warm && Applies(options, c, warm))
                            {
                                // Measured from the first second after the start answers; it counts as warm-up too.
                                task.Description = $"round {round}/{options.Rounds} {c.Name,-12} warm (from start)";
                                warmRecord = WarmUpRecord.Measure(lab, c, warm, round, WarmSlices, afterColdRow: running);
                                warmup -= TimeSpan.FromSeconds(WarmSlices);
                            }

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
                                    ? c is RouterL4Contender rc ? MeasureBehindRouter(lab, rc, w, round) : Measure(lab, c, w, round)
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

                        if (warmRecord is not null)
                        {
                            warmRecord = WarmUpRecord.Complete(warmRecord, _records.FirstOrDefault(r => r.Contender == c.Name && r.Round == round && r.Workload == "ka64" && r.Failure is null));
                            _records.Add(warmRecord);
                            Announce(warmRecord, workloads.First(w => w.Kind == WorkloadKind.WarmUp));
                            task.Increment(1);
                        }
                    }
                }

                task.Description = cancel.IsCancellationRequested ? "cancelled" : "done";
            });
        return _records;
    }

    /// <summary>Whether workload <paramref name="w"/> is run through contender <paramref name="c"/>.</summary>
    /// <remarks>Contenders added by --series run only the workloads the targets are about (<see cref="Workload.InSeries"/>).</remarks>
    public static bool Applies(E2eOptions o, Contender c, Workload w) =>
        (w.InSeries || !o.SeriesAdded.Contains(c.Name))
        && (w.Kind is WorkloadKind.ColdStart or WorkloadKind.Overload ? c.Reliability && c.Udp : !w.IsUdp || c.Udp);

    /// <summary>About how long a run with these options takes, in seconds (printed before it starts).</summary>
    public static double EstimateSeconds(E2eOptions o, IReadOnlyList<Contender> contenders, IReadOnlyList<Workload> workloads)
    {
        var t = o.Traffic;
        double perRound = 0;
        foreach (var c in contenders)
        {
            var warmup = o.Warmup > c.MinimumWarmup ? o.Warmup : c.MinimumWarmup;
            perRound += c.StartSeconds + warmup.TotalSeconds + 1;
            foreach (var w in workloads.Where(w => Applies(o, c, w)))
            {
                perRound += w.Kind switch
                {
                    WorkloadKind.Http => o.Duration.TotalSeconds + 1,
                    WorkloadKind.Udp => o.Duration.TotalSeconds + 1.5,
                    // Each trial: sending, then the counters settle (~0.3 s) and are read twice (~0.2 s).
                    WorkloadKind.UdpZeroLoss => (t.Steps + 1) * (t.TrialLength.TotalSeconds + 0.4) + 1,
                    // The contender's start is counted above: the row reuses it.
                    WorkloadKind.ColdStart => t.ColdLength.TotalSeconds + 2,
                    // Part of the warm-up, unless the warm-up is shorter.
                    WorkloadKind.WarmUp => Math.Max(0, WarmSlices - warmup.TotalSeconds) + 2,
                    _ => t.SynLength.TotalSeconds + 4,
                };
            }
        }

        return perRound * o.Rounds;
    }

    private RunRecord Measure(BenchLab lab, Contender c, Workload w, int round)
    {
        var backendPids = lab.BackendPids;
        var self = Process.GetCurrentProcess();
        var cpu0 = CpuSample.Read();
        // Each process on its own (the balancers behind the router), read together so they add up to the contender's.
        var each0 = ProcCpu.TreeTicksEach(c.Pids);
        long cont0 = each0.Sum(), back0 = ProcCpu.TreeTicks(backendPids);
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
            else if (w.Kind == WorkloadKind.UdpZeroLoss)
            {
                record = MeasureZeroLoss(lab, c, record);
            }
            else if (w.Kind == WorkloadKind.Overload)
            {
                record = MeasureOverload(lab, c, record);
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
        var each = ProcCpu.TreeTicksEach(c.Pids).Select((t, i) => t - each0[i]).ToList();
        long cont = each.Sum(), back = ProcCpu.TreeTicks(backendPids) - back0;
        self.Refresh();
        long selfTicks = (long)((self.TotalProcessorTime - self0).TotalSeconds * CpuSample.TicksPerSecond);
        long contenderTicks = c.CpuIsSoftIrq ? cpu.SoftIrq : cont;
        long foreign = cpu.Busy - cpu.SoftIrq - cpu.Irq - cont - back - generatorTicks - selfTicks;
        double foreignSec = Math.Max(0, foreign) / CpuSample.TicksPerSecond;
        double contenderSec = contenderTicks / CpuSample.TicksPerSecond;
        double perUnit = record.Count <= 0 || (c.Pids.Count == 0 && !c.CpuIsSoftIrq)
            ? double.NaN
            : w.IsUdp ? contenderSec / record.Count * 1e6
            : w.Kind == WorkloadKind.Http ? contenderSec * 1000 / record.Count * 1000 : double.NaN;
        return record with
        {
            Seconds = seconds,
            ContenderCpuSeconds = contenderSec,
            BackendCpuSeconds = back / CpuSample.TicksPerSecond,
            GeneratorCpuSeconds = (w.Kind == WorkloadKind.Http ? generatorTicks : selfTicks) / CpuSample.TicksPerSecond,
            SoftIrqSeconds = cpu.SoftIrq / CpuSample.TicksPerSecond,
            ForeignCpuSeconds = foreignSec,
            Refused = foreignSec > options.ForeignCoreShare * seconds,
            CpuPerUnit = perUnit,
            RssPeakMb = ProcMemory.PeakResidentMegabytes(c.Pids),
            BalancerCpuSeconds = c.NeedsRouter ? each.Select(t => t / CpuSample.TicksPerSecond).ToList() : null,
        };
    }

    /// <summary>
    /// <see cref="Measure"/> (which also takes each balancer's CPU) with each balancer's share of the new flows, from
    /// its metrics before and after. A run in which a balancer started no flow fails: the router did not spread, so it is no figure.
    /// </summary>
    private RunRecord MeasureBehindRouter(BenchLab lab, RouterL4Contender c, Workload w, int round)
    {
        IReadOnlyList<double> flows0;
        try
        {
            flows0 = c.NewFlows(lab);
        }
        catch (TimeoutException ex)
        {
            return new RunRecord { Round = round, Contender = c.Name, Workload = w.Id, Failure = ex.Message };
        }

        var record = Measure(lab, c, w, round);
        var cpu = record.BalancerCpuSeconds ?? [];
        try
        {
            var flows = c.NewFlows(lab).Select((f, i) => f - flows0[i]).ToList();
            record = record with { BalancerFlows = flows };
            AnsiConsole.MarkupLine(Markup.Escape(string.Format(CultureInfo.InvariantCulture, "    {0} {1}: new flows per balancer {2}, CPU s per balancer {3} (sum {4:0.00})",
                c.Name, w.Id, RunRecord.Shares(flows), string.Join(" / ", cpu.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture))), cpu.Sum())));
            int idle = flows.FindIndex(f => f <= 0);
            if (record.Failure is null && idle >= 0)
            {
                record = record with { Value = double.NaN, Failure = $"lb{idle + 1} started no flow (new flows per balancer {RunRecord.Shares(flows)}): the router did not spread the flows" };
            }
        }
        catch (TimeoutException ex)
        {
            record = record with { Value = double.NaN, Failure = ex.Message };
        }

        return record;
    }

    private RunRecord MeasureZeroLoss(BenchLab lab, Contender c, RunRecord record)
    {
        var t = options.Traffic;
        var backends = lab.Layout.Backends.Select(b => b.Namespace).ToList();
        using var counters = new BackendCounters(backends, "udp", $"udp dport {BenchLab.UdpPort}", drop: true, Path.Combine(lab.WorkDir, "counters"));
        var target = c.UdpTarget(lab);
        long before = counters.Settle(TimeSpan.FromSeconds(1)).Sum();
        LossTrial Trial(double rate)
        {
            // Counting starts from a settled counter and ends when it has settled again (the next trial starts
            // from there): nothing of one trial is still queued when the next starts or counted in the next.
            long bound = rate > 0 ? (long)(rate * t.TrialLength.TotalSeconds * 1.05) + UdpBlaster.Batch : options.UdpPackets;
            var sent = UdpBlaster.Run(lab.Layout.Client.Namespace, target, t.UdpThreads, t.FlowsPerThread, rate, bound, t.TrialLength);
            long after = counters.Settle(TimeSpan.FromSeconds(2)).Sum();
            var trial = new LossTrial(rate, sent.Sent, after - before, sent.Seconds);
            before = after;
            AnsiConsole.MarkupLine(string.Format(CultureInfo.InvariantCulture, "    [grey]{0} {1,-12} trial at {2}: offered {3:N0} pps, received {4:N0} pps, loss {5:0.000}%[/]",
                "udp-zl", Markup.Escape(c.Name), rate > 0 ? rate.ToString("N0", CultureInfo.InvariantCulture) + " pps" : "max", trial.OfferedPps, trial.ReceivedPps, trial.LossPercent));
            return trial;
        }

        var r = ZeroLossSearch.Run(Trial, t.Steps, t.MaxLossPercent);
        return record with
        {
            Value = r.Max.Received > 0 ? r.ZeroLossPps : double.NaN,
            Count = r.Trials.Sum(x => x.Received),
            Sent = r.Trials.Sum(x => x.Sent),
            LossPercent = r.Max.LossPercent,
            MaxOfferedPps = r.Max.OfferedPps,
            MaxReceivedPps = r.Max.ReceivedPps,
            GeneratorBound = r.GeneratorBound,
            Trials = r.Trials,
            Failure = r.Max.Received == 0 ? "no datagram arrived" : null,
        };
    }

    /// <summary>Starts <paramref name="c"/> and measures the cold-start row; leaves it running when the start succeeded.</summary>
    /// <summary>One-second slices of the warm-up row (it replaces that much of the unmeasured warm-up).</summary>
    public const int WarmSlices = 20;

    private RunRecord MeasureColdStart(BenchLab lab, Contender c, Workload w, int round, out bool running)
    {
        running = false;
        var t = options.Traffic;
        var record = new RunRecord { Round = round, Contender = c.Name, Workload = w.Id };
        int seconds = (int)Math.Ceiling(t.ColdLength.TotalSeconds);
        var sw = Stopwatch.StartNew();
        try
        {
            lab.SetRoutes(c.Routes);
            using var receivers = new SeqReceivers(lab.Layout.Backends.Select(b => b.Namespace).ToList(), BenchLab.UdpPort, t.ColdRate, seconds);
            c.Start(lab);
            running = true;
            // Ready: the harness's readiness probe (a GET through the contender) has just answered. Send at once.
            sw.Restart();
            var sent = UdpBlaster.Run(lab.Layout.Client.Namespace, c.UdpTarget(lab), 1, t.FlowsPerThread, t.ColdRate, t.ColdRate * seconds, t.ColdLength + TimeSpan.FromSeconds(1));
            var counts = receivers.Finish(TimeSpan.FromSeconds(2));
            var r = ColdStartResult.From(sent.Sent, t.ColdRate, counts);
            record = record with
            {
                Value = r.FirstSecondLossPercent,
                LossPercent = r.LossPercent,
                PerSecondLossPercent = r.PerSecondLossPercent,
                Sent = r.Sent,
                Count = r.Received,
                Errors = sent.Errors,
                Failure = r.Received == 0 ? "no datagram arrived" : null,
            };
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or FormatException or System.Net.Sockets.SocketException)
        {
            record = record with { Failure = ex.Message };
            if (running)
            {
                c.Stop(lab);
                running = false;
            }
        }

        return record with { Seconds = sw.Elapsed.TotalSeconds };
    }

    private RunRecord MeasureOverload(BenchLab lab, Contender c, RunRecord record)
    {
        var t = options.Traffic;
        var http = new System.Net.IPEndPoint(System.Net.IPAddress.Parse(new Uri(c.HttpBase(lab)).Host), new Uri(c.HttpBase(lab)).Port);
        // Never spoof the real client (.1) or the balancer's client-side address (.2).
        var avoid = new HashSet<int> { lab.Layout.Client.Address.GetAddressBytes()[3], lab.Layout.BalancerClientSideAddress.GetAddressBytes()[3] };
        // SYNs (without ACK) reaching the backends: how much of the flood the contender passed on.
        using var syns = new BackendCounters(lab.Layout.Backends.Select(b => b.Namespace).ToList(), "syn", $"tcp dport {BenchLab.HttpPort} tcp flags & (syn | ack) == syn", drop: false, Path.Combine(lab.WorkDir, "counters"));
        long synsBefore = syns.Read().Sum();
        var r = Overload.Run(lab.Layout.Client.Namespace, http, BenchLab.SmallPath, BenchLab.SlowPath, BenchLab.SlowBytes, lab.SlowHashes,
            lab.Layout.Client.Address, avoid, t.SynRate, t.SynLength);
        return record with
        {
            Value = r.ClientOkPercent,
            Count = r.ClientOk,
            ClientTried = r.ClientTried,
            ClientOkPerSecond = r.ClientOkPerSecond,
            Downloads = r.Downloads,
            DownloadsIntact = r.DownloadsIntact,
            FloodSent = r.Flood.Sent,
            FloodPps = r.Flood.OfferedPps,
            // The real client's and the downloads' own SYNs are not the flood's (their retransmissions are, a little).
            SynsAtBackends = Math.Max(0, syns.Settle(TimeSpan.FromSeconds(1)).Sum() - synsBefore - r.OwnConnections),
            Failure = r.ClientTried == 0 ? "the real client started no request during the flood" : null,
            Note = r.Problems,
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

        var detail = w.Kind switch
        {
            WorkloadKind.Udp => string.Format(inv, "sent {0:N0} received {1:N0} loss {2:0.0}%", r.Sent, r.Count, r.LossPercent),
            WorkloadKind.UdpZeroLoss => string.Format(inv, "at most: offered {0:N0} pps, received {1:N0} pps, loss {2:0.0}%{3}", r.MaxOfferedPps, r.MaxReceivedPps, r.LossPercent, r.GeneratorBound ? " (generator-bound)" : ""),
            WorkloadKind.ColdStart => string.Format(inv, "sent {0:N0} received {1:N0}, loss per second {2}%", r.Sent, r.Count, string.Join(" / ", (r.PerSecondLossPercent ?? []).Select(x => x.ToString("0.00", inv)))),
            WorkloadKind.Overload => string.Format(inv, "client {0}/{1} ok during {2:N0} SYN ({3:N0}/s, {7:N0} SYN reached the backends), downloads intact {4}/{5}{6}", r.Count, r.ClientTried, r.FloodSent, r.FloodPps, r.DownloadsIntact, r.Downloads, r.Note is null ? "" : " - " + r.Note, r.SynsAtBackends),
            _ => string.Format(inv, "p50 {0:0.00} ms p99 {1:0.00} ms errors {2}", r.P50Ms, r.P99Ms, r.Errors),
        };
        var refused = r.Refused ? string.Format(inv, " [yellow]REFUSED[/] (other load {0:0.00} cores)", r.ForeignCpuSeconds / r.Seconds) : "";
        AnsiConsole.MarkupLine(string.Format(inv, "  r{0} {1,-12} {2,-6} [bold]{3:N0}[/] {4} {5}{6}",
            r.Round, Markup.Escape(r.Contender), w.Id, r.Value, w.Unit, Markup.Escape(detail), refused));
    }

    private static string Trim(string s) => s.Length > 300 ? s[..300] + "..." : s;
}
