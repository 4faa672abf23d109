using LoadBalancer.Bench.Contenders;
using LoadBalancer.Bench.Infra;
using LoadBalancer.Bench.Reporting;
using LoadBalancer.Bench.Traffic;

namespace LoadBalancer.Bench.Workloads;

/// <summary>The warm-up row: one-second slices of keep-alive load from the moment a fresh start answers, and the time to 90% of the contender's steady rate.</summary>
internal static class WarmUpRecord
{
    /// <summary>Share of the steady rate a slice must reach.</summary>
    public const double Threshold = 0.9;

    /// <summary>Runs the slices right after <paramref name="c"/> started and answered; the value is filled in by <see cref="Complete"/>.</summary>
    public static RunRecord Measure(BenchLab lab, Contender c, Workload w, int round, int slices, bool afterColdRow)
    {
        var record = new RunRecord
        {
            Round = round,
            Contender = c.Name,
            Workload = w.Id,
            RssIdleMb = ProcMemory.ResidentMegabytes(c.Pids),
            Note = afterColdRow ? "measured after the cold-start row (3 s of UDP) on the same process" : null,
        };
        try
        {
            var series = WrkRunner.RunSlices(lab.Layout.Client.Namespace, c.HttpBase(lab) + w.Path, w.Connections, slices);
            return record with { WarmSeries = series, Seconds = slices };
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
        {
            return record with { Failure = ex.Message };
        }
    }

    /// <summary>Sets the value: seconds after start until a slice reached 90% of the steady rate (the same round's ka64 run, else the best of the last three slices); slices + 1 when none did (shown as "&gt; slices").</summary>
    public static RunRecord Complete(RunRecord warm, RunRecord? steadyRun)
    {
        if (warm.WarmSeries is not { Count: > 0 } series)
        {
            return warm;
        }

        double steady = WarmUpCurve.Steady(series, steadyRun?.Value ?? double.NaN);
        double seconds = WarmUpCurve.SecondsTo(series, steady, Threshold);
        return double.IsNaN(seconds)
            ? warm with { SteadyRps = steady, Count = (long)series.Sum(), Value = series.Count + 1, Note = $"did not reach {Threshold * 100:0}% of {steady:N0} req/s within {series.Count} s" }
            : warm with { SteadyRps = steady, Count = (long)series.Sum(), Value = seconds };
    }
}
