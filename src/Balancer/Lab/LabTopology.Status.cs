using System.Text.Json;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Lab;

// What exists of a lab: namespaces, processes, listeners.
public sealed partial class LabTopology
{
    /// <summary>Reports which of the lab's namespaces and processes exist.</summary>
    public LabStatus Status()
    {
        LabState? state = null;
        if (File.Exists(StateFile))
        {
            try
            {
                state = JsonSerializer.Deserialize(File.ReadAllText(StateFile), LabJsonContext.Default.LabState);
            }
            catch (JsonException)
            {
                // A half-written state file still means a lab exists; namespaces are found by name below.
                state = new LabState(Options.Prefix, Options.Mode, [], [], "unknown");
            }
        }

        var existing = ListNamespaces().Where(IsLabNamespace).ToHashSet(StringComparer.Ordinal);
        var names = existing.Concat(state?.Namespaces ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var namespaces = names.Select(n => (n, existing.Contains(n))).ToList();
        var processes = (state?.Processes ?? []).Select(p => (p, LabProcesses.IsRunning(p))).ToList();
        var listening = namespaces.Where(n => n.Item2 && IsLabNamespace(n.Item1) && BackendSuffix().IsMatch(n.Item1[(Options.Prefix.Length + 1)..]))
            .Select(n => (n.Item1, ListeningTcp(n.Item1))).ToList();
        return new LabStatus(Options.Prefix, state, namespaces, processes, listening);
    }

    /// <summary>The global IPv6 addresses (with prefix length) of a namespace's interfaces, lo included (a VIP6 sits there).</summary>
    public static IReadOnlyList<string> Ipv6Addresses(string ns)
    {
        // Lines: "2: eth0    inet6 fd00:200::2/64 scope global ..."
        var result = ProcessRunner.Run("ip", ["-n", ns, "-o", "-6", "addr", "show", "scope", "global"]);
        return result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(words => words.Length >= 4 && words[2] == "inet6")
            .Select(words => $"{words[3]} ({words[1]})")
            .ToList();
    }

    /// <summary>The local IP:port of every listening TCP socket in a namespace (from <c>ss -Hltn</c>).</summary>
    private static IReadOnlyList<string> ListeningTcp(string ns)
    {
        // Columns: State Recv-Q Send-Q Local-Address:Port Peer-Address:Port [Process]
        var result = ProcessRunner.Run("ip", ["netns", "exec", ns, "ss", "-Hltn"]);
        return result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(columns => columns.Length >= 4)
            .Select(columns => columns[3])
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static IEnumerable<string> ListNamespaces()
    {
        var result = ProcessRunner.Run("ip", ["netns", "list"]);
        return result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ')[0]);
    }
}
