using System.Diagnostics;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Traffic;

/// <summary>
/// Keeps a batch sender on schedule: after N packets it sleeps until N / rate seconds have passed since the start
/// (an absolute schedule, so an oversleep is caught up by the next batches). Rate 0 means as fast as possible.
/// </summary>
/// <param name="rate">Packets per second for this sender, or 0 for no limit.</param>
internal sealed class Pacer(double rate)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Seconds since the pacer was created.</summary>
    public double Elapsed => _clock.Elapsed.TotalSeconds;

    /// <summary>Waits until <paramref name="sent"/> packets are due.</summary>
    public void Wait(long sent)
    {
        if (rate <= 0)
        {
            return;
        }

        double ahead = (sent / rate) - Elapsed;
        if (ahead > 50e-6)
        {
            Native.USleep((uint)(ahead * 1e6));
        }
    }
}
