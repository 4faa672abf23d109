using System.Globalization;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.L4;
using LoadBalancer.Balancer.Tests.Metrics;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>Reads a lab balancer's metrics, health states and memory.</summary>
internal static class LabProbe
{
    /// <summary>One scrape of /metrics from inside the balancer namespace.</summary>
    public static string Scrape(L4Lab lab) => lab.Admin("GET", "/metrics");

    /// <summary>A series' value in a scrape (0 when absent: counters that never moved are not always exported).</summary>
    public static double Value(string scrape, string series) => MetricsText.Value(scrape, series) ?? 0;

    /// <summary>lb_l4_drops_total for one reason.</summary>
    public static double Drops(string scrape, string reason) => Value(scrape, $"lb_l4_drops_total{{reason=\"{reason}\"}}");

    /// <summary>lb_l4_send_failures_total on the lab interface.</summary>
    public static double SendFailures(string scrape) => Value(scrape, "lb_l4_send_failures_total{interface=\"eth0\"}");

    /// <summary>The health state of one backend of one pool from /api/status, or null if not listed.</summary>
    public static string? Health(L4Lab lab, string pool, string backend) => Backend(lab, pool, backend)?.Health;

    /// <summary>One backend's health and the time of its last health transition (the balancer's wall clock), from /api/status.</summary>
    public static (string? Health, DateTimeOffset? TransitionAt)? Backend(L4Lab lab, string pool, string backend)
    {
        var text = lab.Admin("GET", "/api/status");
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var doc = JsonNode.Parse(text)!;
        foreach (var p in doc["pools"]!.AsArray())
        {
            if ((string?)p!["name"] != pool)
            {
                continue;
            }
            foreach (var b in p["backends"]!.AsArray())
            {
                if ((string?)b!["id"] == backend)
                {
                    var at = b["lastTransition"]?["at"] is { } t ? DateTimeOffset.Parse((string)t!, CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
                    return ((string?)b["health"], at);
                }
            }
        }
        return null;
    }

    /// <summary>Resident set size of a process in KiB from /proc/PID/status (VmRSS), or 0 when it is gone.</summary>
    public static long RssKib(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process exited between the check and the read.
        }
        return 0;
    }

    /// <summary>A TCP health check for the lab's web service (Interval, Fall as given; no jitter).</summary>
    public static void TcpHealthCheck(JsonObject config, string interval, int fall, int rise = 2, string? fastInterval = null) =>
        config["Health"] = new JsonObject
        {
            ["Pools"] = new JsonObject
            {
                ["web"] = new JsonObject
                {
                    ["Check"] = new JsonObject
                    {
                        ["Probe"] = "tcp", ["Interval"] = interval, ["Timeout"] = "200ms", ["Rise"] = rise, ["Fall"] = fall,
                        ["Jitter"] = 0, ["FastInterval"] = fastInterval ?? interval,
                    },
                },
            },
        };
}
