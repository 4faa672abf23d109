using System.Globalization;

namespace LoadBalancer.Balancer.Tests.Metrics;

/// <summary>Reads values out of Prometheus text exposition.</summary>
internal static class MetricsText
{
    /// <summary>The value of the series written exactly as <paramref name="series"/> (name plus labels in exposition order), or null when absent.</summary>
    public static double? Value(string text, string series)
    {
        foreach (var line in Lines(text))
        {
            if (line.Length > series.Length + 1 && line.StartsWith(series, StringComparison.Ordinal) && line[series.Length] == ' ')
            {
                var value = line[(series.Length + 1)..].Split(' ')[0];
                return double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>The sample lines (no comments) of a metric family, e.g. every lb_backend_up series.</summary>
    public static IReadOnlyList<string> Samples(string text, string name) =>
        Lines(text).Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal)).ToList();

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith('#'));
}
