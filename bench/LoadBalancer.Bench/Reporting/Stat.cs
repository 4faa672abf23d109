using System.Globalization;

namespace LoadBalancer.Bench.Reporting;

/// <summary>Median, minimum and maximum of some values (NaN values ignored; all NaN when none remain).</summary>
/// <param name="Median">The median.</param>
/// <param name="Min">The smallest value.</param>
/// <param name="Max">The largest value.</param>
internal readonly record struct Stat(double Median, double Min, double Max)
{
    /// <summary>Computes the statistic.</summary>
    public static Stat Of(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x) && !double.IsInfinity(x)).Order().ToArray();
        if (v.Length == 0)
        {
            return new Stat(double.NaN, double.NaN, double.NaN);
        }

        double median = v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
        return new Stat(median, v[0], v[^1]);
    }

    /// <summary>"median (min–max)" with the given number format, or "–".</summary>
    public string Format(string format)
    {
        if (double.IsNaN(Median))
        {
            return "–";
        }

        var m = Median.ToString(format, CultureInfo.InvariantCulture);
        return Min == Max ? m : $"{m} ({Min.ToString(format, CultureInfo.InvariantCulture)}–{Max.ToString(format, CultureInfo.InvariantCulture)})";
    }
}
