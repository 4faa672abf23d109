using System.Globalization;

namespace LoadBalancer.Bench.Infra;

/// <summary>The machine's CPU counters from the first line of /proc/stat, in clock ticks (USER_HZ).</summary>
/// <param name="Busy">user + nice + system + irq + softirq + steal.</param>
/// <param name="SoftIrq">softirq alone (where veth and netfilter packet work is accounted).</param>
/// <param name="Irq">hard irq.</param>
internal readonly record struct CpuSample(long Busy, long SoftIrq, long Irq)
{
    /// <summary>Clock ticks per second of /proc counters (USER_HZ is 100 on Linux).</summary>
    public const double TicksPerSecond = 100.0;

    /// <summary>Reads /proc/stat now.</summary>
    public static CpuSample Read()
    {
        var line = File.ReadLines("/proc/stat").First();
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal
        long busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f.Length > 7 ? f[7] : 0);
        return new CpuSample(busy, f[6], f[5]);
    }

    /// <summary>Difference of two samples.</summary>
    public static CpuSample operator -(CpuSample a, CpuSample b) => new(a.Busy - b.Busy, a.SoftIrq - b.SoftIrq, a.Irq - b.Irq);
}
