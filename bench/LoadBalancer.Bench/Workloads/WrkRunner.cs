using System.Globalization;
using System.Text.RegularExpressions;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Workloads;

/// <summary>Runs wrk in the client namespace for a fixed time and parses its --latency output.</summary>
internal static partial class WrkRunner
{
    /// <summary>Runs wrk against <paramref name="url"/>; throws when wrk fails or completes nothing.</summary>
    public static WrkResult Run(string clientNs, string url, int connections, TimeSpan duration, bool close)
    {
        var secs = Math.Max(1, (int)Math.Round(duration.TotalSeconds));
        var threads = Math.Min(connections, 2);
        var header = close ? "-H 'Connection: close' " : "";
        // bash's `times` prints the CPU time of finished children (wrk) on its second line.
        var script = $"ip netns exec {clientNs} wrk -t{threads} -c{connections} -d{secs}s --timeout 2s --latency {header}'{url}'; rc=$?; echo '#TIMES'; times; exit $rc";
        var r = Shell.Run("bash", ["-c", script], TimeSpan.FromSeconds(secs + 30));
        if (!r.Ok)
        {
            throw new InvalidOperationException($"wrk failed ({r.ExitCode}): {r.StdErr.Trim()} {r.StdOut.Trim()}");
        }

        return Parse(r.StdOut);
    }

    /// <summary>Runs <paramref name="slices"/> back-to-back one-second wrk runs and returns each one's req/s (0 for a slice that completed nothing).</summary>
    /// <remarks>Each slice opens its connections again, as a client fleet reconnecting to a restarted balancer would.</remarks>
    public static IReadOnlyList<double> RunSlices(string clientNs, string url, int connections, int slices)
    {
        var threads = Math.Min(connections, 2);
        var script = $"for i in $(seq {slices}); do ip netns exec {clientNs} wrk -t{threads} -c{connections} -d1s --timeout 2s '{url}'; echo '#SLICE'; done";
        var r = Shell.Run("bash", ["-c", script], TimeSpan.FromSeconds((slices * 4) + 30));
        if (!r.Ok)
        {
            throw new InvalidOperationException($"wrk slices failed ({r.ExitCode}): {r.StdErr.Trim()}");
        }

        return ParseSlices(r.StdOut, slices);
    }

    /// <summary>Parses the output of <see cref="RunSlices"/>: one req/s per slice.</summary>
    internal static IReadOnlyList<double> ParseSlices(string output, int slices)
    {
        var result = new List<double>();
        foreach (var chunk in output.Split("#SLICE").Take(slices))
        {
            var m = Summary().Match(chunk);
            double seconds = m.Success ? Duration(m.Groups[2].Value + m.Groups[3].Value) : 0;
            result.Add(seconds > 0 ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / seconds : 0);
        }

        return result;
    }

    /// <summary>Parses wrk's report (and the trailing `times` output).</summary>
    internal static WrkResult Parse(string output)
    {
        var m = Summary().Match(output);
        if (!m.Success)
        {
            throw new FormatException($"no wrk summary in: {output}");
        }

        long requests = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        double seconds = Duration(m.Groups[2].Value + m.Groups[3].Value);
        double p50 = Percentile(output, "50%");
        double p99 = Percentile(output, "99%");
        long errors = 0;
        var e = SocketErrors().Match(output);
        if (e.Success)
        {
            errors += Enumerable.Range(1, 4).Sum(i => long.Parse(e.Groups[i].Value, CultureInfo.InvariantCulture));
        }

        var n = Non2xx().Match(output);
        if (n.Success)
        {
            errors += long.Parse(n.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        long ticks = 0;
        var t = output.Split("#TIMES", 2);
        if (t.Length == 2)
        {
            var lines = t[1].Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length >= 2)
            {
                ticks = TimesLine().Matches(lines[1]).Sum(x => (long)Math.Round(
                    (double.Parse(x.Groups[1].Value, CultureInfo.InvariantCulture) * 60 + double.Parse(x.Groups[2].Value, CultureInfo.InvariantCulture)) * 100));
            }
        }

        return new WrkResult(requests, seconds, p50, p99, errors, ticks);
    }

    private static double Percentile(string output, string label)
    {
        var m = Regex.Match(output, $@"^\s*{Regex.Escape(label)}\s+([\d.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline);
        return m.Success ? Duration(m.Groups[1].Value + m.Groups[2].Value) * 1000 : double.NaN;
    }

    private static double Duration(string text)
    {
        var m = Regex.Match(text, @"^([\d.]+)(us|ms|s|m)$");
        double v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => v / 1e6, "ms" => v / 1e3, "m" => v * 60, _ => v };
    }

    [GeneratedRegex(@"(\d+) requests in ([\d.]+)(us|ms|s|m),")]
    private static partial Regex Summary();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"(\d+)m([\d.]+)s")]
    private static partial Regex TimesLine();
}
