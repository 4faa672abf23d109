using System.Globalization;

namespace LoadBalancer.Bench.Infra;

/// <summary>Resident memory of processes and their descendants, from /proc/PID/status.</summary>
internal static class ProcMemory
{
    /// <summary>Sum of VmRSS (resident now) over the processes and their descendants, in MB; NaN when there is no process.</summary>
    public static double ResidentMegabytes(IReadOnlyList<int> roots) => Sum(roots, "VmRSS:");

    /// <summary>Sum of VmHWM (the highest resident size each process reached) over the processes and their descendants, in MB; NaN when there is no process.</summary>
    public static double PeakResidentMegabytes(IReadOnlyList<int> roots) => Sum(roots, "VmHWM:");

    private static double Sum(IReadOnlyList<int> roots, string field)
    {
        if (roots.Count == 0)
        {
            return double.NaN;
        }

        long kb = 0;
        int found = 0;
        foreach (int pid in ProcCpu.TreePids(roots))
        {
            try
            {
                foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                {
                    if (line.StartsWith(field, StringComparison.Ordinal))
                    {
                        // "VmRSS:	   12345 kB"
                        kb += long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                        found++;
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                // The process ended while we read it.
            }
        }

        return found == 0 ? double.NaN : kb / 1024.0;
    }
}
