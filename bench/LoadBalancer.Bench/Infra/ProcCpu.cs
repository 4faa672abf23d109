using System.Globalization;

namespace LoadBalancer.Bench.Infra;

/// <summary>CPU time (utime + stime, clock ticks) of processes and their descendants, from /proc/PID/stat.</summary>
internal static class ProcCpu
{
    /// <summary>Sum of utime + stime over the given processes and all their live descendants.</summary>
    public static long TreeTicks(IEnumerable<int> roots) => Tree(ReadAll(), roots);

    /// <summary>Like <see cref="TreeTicks"/> for each root on its own, from one read of /proc (so they add up to the whole).</summary>
    public static IReadOnlyList<long> TreeTicksEach(IReadOnlyList<int> roots)
    {
        var all = ReadAll();
        return roots.Select(r => Tree(all, [r])).ToList();
    }

    /// <summary>The given processes and all their live descendants.</summary>
    public static IReadOnlyList<int> TreePids(IEnumerable<int> roots)
    {
        var all = ReadAll();
        return Walk(all, roots).ToList();
    }

    private static long Tree(Dictionary<int, (int Pid, int Ppid, long Ticks)> all, IEnumerable<int> roots)
        => Walk(all, roots).Sum(pid => all[pid].Ticks);

    private static IEnumerable<int> Walk(Dictionary<int, (int Pid, int Ppid, long Ticks)> all, IEnumerable<int> roots)
    {
        var children = all.Values.GroupBy(p => p.Ppid).ToDictionary(g => g.Key, g => g.Select(p => p.Pid).ToList());
        var seen = new HashSet<int>();
        var stack = new Stack<int>(roots);
        while (stack.Count > 0)
        {
            int pid = stack.Pop();
            if (!seen.Add(pid) || !all.ContainsKey(pid))
            {
                continue;
            }

            yield return pid;
            foreach (var c in children.GetValueOrDefault(pid) ?? [])
            {
                stack.Push(c);
            }
        }
    }

    private static Dictionary<int, (int Pid, int Ppid, long Ticks)> ReadAll()
    {
        var result = new Dictionary<int, (int, int, long)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // The command name is in parentheses and may contain spaces: parse after the last ')'.
                var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                int ppid = int.Parse(rest[1], CultureInfo.InvariantCulture);
                long ticks = long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
                result[pid] = (pid, ppid, ticks);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while we read /proc.
            }
        }

        return result;
    }
}
