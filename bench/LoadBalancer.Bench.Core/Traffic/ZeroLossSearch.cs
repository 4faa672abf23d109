namespace LoadBalancer.Bench.Traffic;

/// <summary>One trial of the search: what was asked, offered and received.</summary>
/// <param name="RequestedPps">The rate asked for (0: as fast as the generator goes).</param>
/// <param name="Sent">Datagrams sent.</param>
/// <param name="Received">Datagrams counted at the receivers.</param>
/// <param name="Seconds">Sending time.</param>
public sealed record LossTrial(double RequestedPps, long Sent, long Received, double Seconds)
{
    /// <summary>Datagrams offered per second.</summary>
    public double OfferedPps => Seconds > 0 ? Sent / Seconds : 0;

    /// <summary>Datagrams received per second of sending.</summary>
    public double ReceivedPps => Seconds > 0 ? Received / Seconds : 0;

    /// <summary>Share lost, in percent (never negative).</summary>
    public double LossPercent => Sent > 0 ? 100.0 * Math.Max(0, Sent - Received) / Sent : 100;
}

/// <summary>The outcome of a zero-loss search.</summary>
/// <param name="ZeroLossPps">The highest offered rate of a trial within the loss limit (0 when none was).</param>
/// <param name="GeneratorBound">True when even the unlimited first trial stayed within the limit: the contender carries at least what the generator offers.</param>
/// <param name="Trials">Every trial, in order (the unlimited one first).</param>
public sealed record ZeroLossResult(double ZeroLossPps, bool GeneratorBound, IReadOnlyList<LossTrial> Trials)
{
    /// <summary>The first, unlimited trial: the most the generator offered and what arrived of it.</summary>
    public LossTrial Max => Trials[0];
}

/// <summary>
/// RFC 2544-style throughput: the highest offered rate with at most <c>maxLossPercent</c> loss, by binary search.
/// The first trial is unlimited (if it passes, the result is generator-bound); the search then starts at the rate
/// that arrived in it (the contender's carrying rate, a close guess) and halves the interval between the highest
/// passing and the lowest failing rate for the remaining steps.
/// </summary>
public static class ZeroLossSearch
{
    /// <summary>Runs the search with <paramref name="trial"/> (argument: requested pps, 0 for unlimited).</summary>
    /// <param name="trial">Runs one bounded trial at the given rate.</param>
    /// <param name="steps">Paced trials after the unlimited one.</param>
    /// <param name="maxLossPercent">Loss allowed in a passing trial, in percent (RFC 2544: 0; 0.1 here).</param>
    public static ZeroLossResult Run(Func<double, LossTrial> trial, int steps, double maxLossPercent)
    {
        ArgumentNullException.ThrowIfNull(trial);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var trials = new List<LossTrial>();
        var max = trial(0);
        trials.Add(max);
        if (max.Sent > 0 && max.LossPercent <= maxLossPercent)
        {
            return new ZeroLossResult(max.OfferedPps, true, trials);
        }

        double lo = 0, hi = max.OfferedPps, best = 0;
        double rate = Math.Min(max.ReceivedPps, hi);
        for (int i = 0; i < steps && hi > 0; i++)
        {
            if (rate <= 0)
            {
                rate = hi / 2;
            }

            var t = trial(rate);
            trials.Add(t);
            if (t.Sent > 0 && t.LossPercent <= maxLossPercent)
            {
                // The generator may fall a little short of the rate asked: what it offered is the honest figure.
                best = Math.Max(best, Math.Min(t.OfferedPps, rate));
                lo = rate;
            }
            else
            {
                hi = rate;
            }

            rate = (lo + hi) / 2;
        }

        return new ZeroLossResult(best, false, trials);
    }
}
