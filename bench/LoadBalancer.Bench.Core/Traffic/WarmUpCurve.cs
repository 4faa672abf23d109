namespace LoadBalancer.Bench.Traffic;

/// <summary>How soon a freshly started contender reaches its steady rate, from req/s measured in one-second slices after start.</summary>
public static class WarmUpCurve
{
    /// <summary>The end of the first slice (seconds after start) whose rate reached <paramref name="share"/> of <paramref name="steady"/>, or NaN when none did.</summary>
    /// <param name="series">Req/s of each one-second slice, the first one starting when the contender answered.</param>
    /// <param name="steady">The steady rate (after the full warm-up).</param>
    /// <param name="share">The share of <paramref name="steady"/> to reach, e.g. 0.9.</param>
    public static double SecondsTo(IReadOnlyList<double> series, double steady, double share)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (steady <= 0 || double.IsNaN(steady))
        {
            return double.NaN;
        }

        for (int i = 0; i < series.Count; i++)
        {
            if (series[i] >= share * steady)
            {
                return i + 1;
            }
        }

        return double.NaN;
    }

    /// <summary>The steady rate: the measured one when there is one, else the best of the last three slices.</summary>
    public static double Steady(IReadOnlyList<double> series, double measured)
    {
        ArgumentNullException.ThrowIfNull(series);
        return measured > 0 ? measured : series.Count == 0 ? double.NaN : series.TakeLast(3).Max();
    }
}
