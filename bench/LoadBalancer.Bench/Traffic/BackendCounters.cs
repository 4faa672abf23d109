using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Traffic;

/// <summary>
/// Counts, in every backend namespace, the packets that reach it and match an nftables expression: a counter at
/// prerouting, before conntrack. For the UDP workloads it also drops them, so receiving costs the backend no socket
/// work and the count does not depend on a reader keeping up. Read before and after a trial; the table (one per
/// counter name) is removed on dispose. The table is of the inet family, so it counts IPv4 and IPv6 alike.
/// </summary>
internal sealed class BackendCounters : IDisposable
{
    private readonly IReadOnlyList<string> _namespaces;
    private readonly string _table;

    /// <summary>Installs the counter in every namespace of <paramref name="backendNs"/>.</summary>
    /// <param name="backendNs">Backend namespaces.</param>
    /// <param name="name">Counter name (also names the table, lbb-NAME).</param>
    /// <param name="match">nftables match, e.g. <c>udp dport 5353</c>.</param>
    /// <param name="drop">Whether matching packets are dropped after counting.</param>
    /// <param name="workDir">Where the rules file is written.</param>
    public BackendCounters(IReadOnlyList<string> backendNs, string name, string match, bool drop, string workDir)
    {
        _namespaces = backendNs;
        _table = $"lbb-{name}";
        var rules = string.Create(CultureInfo.InvariantCulture, $$"""
            table inet {{_table}} {
              counter hits { }
              chain pre {
                type filter hook prerouting priority -350; policy accept;
                {{match}} counter name "hits"{{(drop ? " drop" : "")}}
              }
            }
            """);
        Directory.CreateDirectory(workDir);
        var path = Path.Combine(workDir, $"{name}-counter.nft");
        File.WriteAllText(path, rules);
        try
        {
            foreach (var ns in backendNs)
            {
                Shell.InNs(ns, "nft", "-f", path);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The counter of each namespace now.</summary>
    public long[] Read() => _namespaces.Select(ns => Parse(Shell.InNs(ns, "nft", "-j", "list", "counter", "inet", _table, "hits"))).ToArray();

    /// <summary>Waits until the counts stop moving (queues drained; at most <paramref name="limit"/>) and returns them.</summary>
    public long[] Settle(TimeSpan limit)
    {
        var sw = Stopwatch.StartNew();
        var last = Read();
        while (sw.Elapsed < limit)
        {
            Thread.Sleep(100);
            var now = Read();
            if (now.SequenceEqual(last))
            {
                return now;
            }

            last = now;
        }

        return last;
    }

    /// <summary>Removes the table from every namespace.</summary>
    public void Dispose()
    {
        foreach (var ns in _namespaces)
        {
            Shell.Run("ip", ["netns", "exec", ns, "nft", "delete", "table", "inet", _table]);
        }
    }

    /// <summary>Reads the packet count from <c>nft -j list counter</c> output.</summary>
    internal static long Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        foreach (var item in doc.RootElement.GetProperty("nftables").EnumerateArray())
        {
            if (item.TryGetProperty("counter", out var c))
            {
                return c.GetProperty("packets").GetInt64();
            }
        }

        throw new FormatException($"no counter in nft output: {json}");
    }
}
