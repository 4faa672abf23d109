using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Traffic;

/// <summary>
/// Counts, in every backend namespace, the datagrams that reach it for the UDP port: an nftables counter at
/// prerouting (before conntrack) that also drops them, so receiving costs the backend no socket work and the count
/// does not depend on a reader keeping up. Read before and after a trial; the table is removed on dispose.
/// </summary>
internal sealed class UdpCounters : IDisposable
{
    private const string Table = "lbbcount";
    private readonly IReadOnlyList<string> _namespaces;

    /// <summary>Installs the counter in every namespace of <paramref name="backendNs"/>.</summary>
    public UdpCounters(IReadOnlyList<string> backendNs, int port, string workDir)
    {
        _namespaces = backendNs;
        var rules = string.Create(CultureInfo.InvariantCulture, $$"""
            table ip {{Table}} {
              counter datagrams { }
              chain pre {
                type filter hook prerouting priority -350; policy accept;
                udp dport {{port}} counter name "datagrams" drop
              }
            }
            """);
        Directory.CreateDirectory(workDir);
        var path = Path.Combine(workDir, "udp-counter.nft");
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
    public long[] Read() => _namespaces.Select(ns => Parse(Shell.InNs(ns, "nft", "-j", "list", "counter", "ip", Table, "datagrams"))).ToArray();

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
            Shell.Run("ip", ["netns", "exec", ns, "nft", "delete", "table", "ip", Table]);
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
