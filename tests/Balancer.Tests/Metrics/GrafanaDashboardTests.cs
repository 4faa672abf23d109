using System.Text.Json;
using System.Text.RegularExpressions;

namespace LoadBalancer.Balancer.Tests.Metrics;

/// <summary>configs/grafana-dashboard.json parses, uses a Prometheus datasource variable, and its queries name only metrics the balancer exports.</summary>
public sealed partial class GrafanaDashboardTests
{
    // The L4 engine's metrics (named in the metrics issue); the ones already in src/ are found there too.
    private static readonly string[] L4Metrics =
    [
        "lb_l4_packets_total", "lb_l4_bytes_total", "lb_l4_drops_total", "lb_l4_new_flows_total", "lb_conntrack_entries", "lb_conntrack_capacity",
        "lb_conntrack_evictions_total", "lb_fullnat_ports_available", "lb_arp_total", "lb_pcap_received_total", "lb_pcap_dropped_total", "lb_l4_send_failures_total",
    ];

    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    [GeneratedRegex(@"\blb_[a-z0-9_]+\b")]
    private static partial Regex MetricName();

    [GeneratedRegex("\"(lb_[a-z0-9_]+)\"")]
    private static partial Regex MetricLiteral();

    private static JsonDocument Load() => JsonDocument.Parse(File.ReadAllText(RepoFiles.Path("configs/grafana-dashboard.json")));

    private static IEnumerable<JsonElement> AllPanels(JsonElement panels)
    {
        foreach (var p in panels.EnumerateArray())
        {
            yield return p;
            if (p.TryGetProperty("panels", out var nested))
            {
                foreach (var n in AllPanels(nested))
                {
                    yield return n;
                }
            }
        }
    }

    /// <summary>Every lb_ metric name written as a string literal in src/.</summary>
    private static HashSet<string> MetricsInCode()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(RepoFiles.Path("src"), "*.cs", SearchOption.AllDirectories))
        {
            foreach (Match m in MetricLiteral().Matches(File.ReadAllText(file)))
            {
                names.Add(m.Groups[1].Value);
            }
        }

        return names;
    }

    private static bool Known(string name, HashSet<string> known) =>
        known.Contains(name) || HistogramSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal) && known.Contains(name[..^s.Length]));

    [Fact]
    public void Dashboard_EveryQuery_NamesOnlyExportedMetrics()
    {
        using var doc = Load();
        var known = MetricsInCode();
        known.UnionWith(L4Metrics);
        var exprs = new List<(string Where, string Expr)>();
        foreach (var panel in AllPanels(doc.RootElement.GetProperty("panels")).Where(p => p.GetProperty("type").GetString() != "row"))
        {
            var title = panel.GetProperty("title").GetString()!;
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.True(targets.Count > 0, $"panel '{title}' has no query");
            exprs.AddRange(targets.Select(t => (title, t.GetProperty("expr").GetString()!)));
        }
        exprs.AddRange(doc.RootElement.GetProperty("annotations").GetProperty("list").EnumerateArray()
            .Where(a => a.TryGetProperty("expr", out _)).Select(a => ("annotation", a.GetProperty("expr").GetString()!)));

        var unknown = exprs.SelectMany(e => MetricName().Matches(e.Expr).Select(m => (e.Where, Name: m.Value))).Where(x => !Known(x.Name, known)).ToList();

        Assert.True(known.Count > 20, $"only {known.Count} metric names found in src/");
        Assert.All(exprs, e => Assert.Matches(MetricName(), e.Expr));
        Assert.Empty(unknown);
    }

    [Fact]
    public void Dashboard_Structure_PrometheusVariableUniqueIdsAndEveryMetricShown()
    {
        using var doc = Load();
        var root = doc.RootElement;
        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        var panels = AllPanels(root.GetProperty("panels")).ToList();
        var ids = panels.Select(p => p.GetProperty("id").GetInt32()).ToList();
        var text = string.Join("\n", panels.Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()));
        string[] shown =
        [
            "lb_http_requests_total", "lb_http_request_duration_seconds_bucket", "lb_http_active_requests", "lb_http_proxy_errors_total",
            "lb_backend_up", "lb_backend_health_state", "lb_backend_admin_state", "lb_backend_weight", "lb_health_check_failures_total",
            "lb_health_transitions_total", "lb_health_check_duration_seconds_bucket", "lb_config_reloads_total", .. L4Metrics,
        ];

        Assert.InRange(root.GetProperty("schemaVersion").GetInt32(), 36, 41);
        Assert.Contains(variables, v => v.GetProperty("type").GetString() == "datasource" && v.GetProperty("query").GetString() == "prometheus"
            && v.GetProperty("name").GetString() == "datasource");
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(shown, m => Assert.Matches($@"\b{m}\b", text));
    }
}
