using LoadBalancer.Bench.Contenders;
using ScottPlot;

namespace LoadBalancer.Bench.Reporting;

/// <summary>Bar charts (median with min–max error bars) of the main results, as PNG files.</summary>
internal static class PlotWriter
{
    /// <summary>Writes the plots that have data and returns their file names.</summary>
    public static IReadOnlyList<string> Write(string dir, IReadOnlyList<Summary> summaries, IReadOnlyList<string> contenders, IReadOnlyList<RunRecord>? records = null)
    {
        var files = new List<string>();
        void Add(string file, string title, string yLabel, IReadOnlyList<(string Label, string Workload)> series, Func<Summary, Stat> pick)
        {
            if (Chart(Path.Combine(dir, file), title, yLabel, series, pick, summaries, contenders))
            {
                files.Add(file);
            }
        }

        Add("requests.png", "Small requests per second (keep-alive)", "requests/s", [("64 conns", "ka64"), ("256 conns", "ka256")], s => s.Value);
        Add("p99.png", "p99 latency, small requests (keep-alive)", "p99 latency (ms)", [("64 conns", "ka64"), ("256 conns", "ka256")], s => s.P99Ms);
        Add("connections.png", "New connections per second", "connections/s", [("Connection: close", "close")], s => s.Value);
        Add("download.png", "1 MiB download throughput", "MB/s", [("8 conns", "1mb")], s => s.Value);
        Add("pps.png", "64-byte UDP packets per second received", "packets/s", [("received", "udp")], s => s.Value);
        var bound = summaries.Where(s => s.Workload == "udp-zl" && s.GeneratorBoundRounds > 0).Select(s => s.Contender).ToList();
        Add("zeroloss.png", "64-byte UDP zero-loss throughput (at most 0.1% lost)" + (bound.Count > 0 ? $"\nlower bounds (the generator's rate, nothing lost): {string.Join(", ", bound)}" : ""),
            "packets/s", [("zero-loss", "udp-zl")], s => s.Value);
        Add("coldstart.png", "Cold start: UDP lost in the first second after ready", "% lost", [("1st second", "cold")], s => s.Value);
        if (records is not null && WarmUp(Path.Combine(dir, "warmup.png"), records, contenders))
        {
            files.Add("warmup.png");
        }

        Add("overload.png", "Real client's requests that succeeded during a SYN flood", "% ok", [("during the flood", "overload")], s => s.Value);
        return files;
    }

    /// <summary>Lines of req/s per second after start (median over rounds), one per contender with a warm-up row.</summary>
    private static bool WarmUp(string path, IReadOnlyList<RunRecord> records, IReadOnlyList<string> contenders)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int drawn = 0;
        double top = 0;
        foreach (var c in contenders)
        {
            var runs = records.Where(r => r.Contender == c && r.Workload == "warm" && r.WarmSeries is { Count: > 0 }).Select(r => r.WarmSeries!).ToList();
            if (runs.Count == 0)
            {
                continue;
            }

            int length = runs.Min(r => r.Count);
            double[] xs = Enumerable.Range(1, length).Select(i => (double)i).ToArray();
            double[] ys = Enumerable.Range(0, length).Select(i => Stat.Of(runs.Select(r => r[i])).Median).ToArray();
            top = Math.Max(top, ys.Where(y => !double.IsNaN(y)).DefaultIfEmpty(0).Max());
            var line = plot.Add.Scatter(xs, ys, palette.GetColor(drawn++));
            line.LegendText = c;
        }

        if (drawn == 0)
        {
            return false;
        }

        plot.Title("Warm-up: keep-alive req/s in each second after a fresh start (median over rounds)");
        plot.XLabel("seconds after the start answered");
        plot.YLabel("requests/s");
        plot.Axes.SetLimitsY(0, top * 1.1);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 1000, 560);
        return true;
    }

    private static bool Chart(
        string path, string title, string yLabel, IReadOnlyList<(string Label, string Workload)> series, Func<Summary, Stat> pick,
        IReadOnlyList<Summary> summaries, IReadOnlyList<string> contenders)
    {
        var names = contenders.Where(c => series.Any(s => summaries.Any(x => x.Contender == c && x.Workload == s.Workload && !double.IsNaN(pick(x).Median)))).ToList();
        if (names.Count == 0)
        {
            return false;
        }

        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        double width = 0.8 / series.Count;
        for (int si = 0; si < series.Count; si++)
        {
            var bars = new List<Bar>();
            for (int ci = 0; ci < names.Count; ci++)
            {
                var s = summaries.FirstOrDefault(x => x.Contender == names[ci] && x.Workload == series[si].Workload);
                if (s is null || double.IsNaN(pick(s).Median))
                {
                    continue;
                }

                var stat = pick(s);
                bars.Add(new Bar
                {
                    Position = ci + ((si - ((series.Count - 1) / 2.0)) * width),
                    Value = stat.Median,
                    Error = (stat.Max - stat.Min) / 2,
                    Size = width * 0.95,
                    // IPv6 rows in a lighter shade of the same colour, beside their IPv4 twins.
                    FillColor = ContenderFamily.IsIpv6(names[ci]) ? palette.GetColor(si).Lighten(0.45) : palette.GetColor(si),
                });
            }

            var plotted = plot.Add.Bars(bars);
            if (series.Count > 1)
            {
                plotted.LegendText = series[si].Label;
            }
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            names.Select((n, i) => new Tick(i, n)).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -35;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 90;
        plot.Axes.Margins(bottom: 0);
        plot.Title(names.Any(ContenderFamily.IsIpv6) ? title + "\nlighter bars: over IPv6 (names ending in 6)" : title);
        plot.YLabel(yLabel);
        if (series.Count > 1)
        {
            plot.ShowLegend(Alignment.UpperRight);
        }

        plot.SavePng(path, 1000, 560);
        return true;
    }
}
