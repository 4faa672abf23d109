using System.Globalization;
using System.Text;
using LoadBalancer.Bench.Contenders;
using LoadBalancer.Bench.Workloads;

namespace LoadBalancer.Bench.Reporting;

// The IPv6 rows: what they are, and each one beside its IPv4 twin.
internal static partial class ReportWriter
{
    /// <summary>Says which rows ran over IPv6 and what their ratios are taken against (nothing when none did).</summary>
    private static void Ipv6Note(StringBuilder sb, IReadOnlyList<string> contenders)
    {
        var v6 = contenders.Where(ContenderFamily.IsIpv6).ToList();
        if (v6.Count == 0)
        {
            return;
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"- IPv6 rows: {string.Join(", ", v6.Select(c => $"`{c}`"))}, in the same dual-stack lab and the same rounds as the IPv4 rows (the lab of `balancer lab up --family dual`), to the VIP6 (direct6: the first backend's IPv6 address); their × direct and × nftables are taken against `direct6` and `nftables6` of the same round, so each is \"mode over IPv6 vs kernel DNAT over IPv6\". UDP over IPv6 sends the same 22-byte payload (84-byte frames); the cold-start and overload rows are IPv4 only.");
    }

    /// <summary>Each IPv6 contender beside its IPv4 twin, per workload: the values, the ratio of the two per round, and each family's ratio to its own nftables.</summary>
    private static void Ipv6BesideIpv4(StringBuilder sb, IReadOnlyList<Summary> summaries, IReadOnlyList<Workload> workloads)
    {
        var pairs = summaries
            .Where(s => s.Family == "IPv6")
            .Select(s => (v6: s, v4: summaries.FirstOrDefault(x => x.Workload == s.Workload && x.Contender == ContenderFamily.Ipv4Twin(s.Contender))))
            .ToList();
        if (pairs.Count == 0)
        {
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("## IPv6 beside IPv4").AppendLine();
        sb.AppendLine("Every IPv6 row with its IPv4 twin of the same run: IPv6 / IPv4 is taken per round, then the median; × nftables is each family's own kernel DNAT (`nftables6` for IPv6, `nftables` for IPv4) in the same round.").AppendLine();
        sb.AppendLine("| workload | contender | family | value | IPv6 / IPv4 | × direct (same family) | × nftables (same family) | rounds |");
        sb.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | --- |");
        foreach (var (v6, v4) in pairs.OrderBy(p => workloads.ToList().FindIndex(w => w.Id == p.v6.Workload)))
        {
            var w = workloads.FirstOrDefault(x => x.Id == v6.Workload);
            string fmt = w?.Unit == "MB/s" ? "0.0" : "0";
            string unit = w?.Unit ?? "";
            foreach (var s in v4 is null ? [v6] : new[] { v6, v4 })
            {
                string ratio = s == v6 ? s.VsIpv4Twin.Format("0.00") : "";
                sb.AppendLine(inv, $"| {s.Workload} | {s.Contender} | {s.Family} | {s.Value.Format(fmt)} {unit} | {ratio} | {s.VsDirect.Format("0.00")} | {s.VsNftables.Format("0.00")} | {Rounds(s)} |");
            }
        }

        sb.AppendLine();
    }
}
