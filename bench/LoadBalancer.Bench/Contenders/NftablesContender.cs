using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Contenders;

/// <summary>
/// Kernel DNAT in the balancer namespace: nftables `numgen inc mod N` over the backends for the VIP's TCP and UDP
/// ports, the VIP on the balancer's eth0 (so its kernel answers ARP) and ip_forward=1 for this contender only.
/// </summary>
internal sealed class NftablesContender : Contender
{
    private const string Table = "lbbench";

    /// <inheritdoc/>
    public override string Name => "nftables";

    /// <inheritdoc/>
    public override bool Udp => true;

    /// <inheritdoc/>
    public override bool CpuIsSoftIrq => true;

    /// <inheritdoc/>
    public override bool Reliability => true;

    /// <inheritdoc/>
    public override RouteMode Routes => RouteMode.ViaBalancer;

    /// <inheritdoc/>
    public override IReadOnlyList<int> Pids => [];

    /// <inheritdoc/>
    public override string HttpBase(BenchLab lab) => $"http://{lab.Layout.Vip}:{BenchLab.HttpPort}";

    /// <inheritdoc/>
    public override void Start(BenchLab lab)
    {
        var ns = lab.Layout.Balancer.Namespace;
        var map = string.Join(", ", lab.Layout.Backends.Select((b, i) => $"{i} : {b.Address}"));
        var n = lab.Layout.Backends.Count;
        var rules = $$"""
            table ip {{Table}} {
              chain pre {
                type nat hook prerouting priority dstnat; policy accept;
                ip daddr {{lab.Layout.Vip}} tcp dport {{BenchLab.HttpPort}} dnat to numgen inc mod {{n}} map { {{map}} }
                ip daddr {{lab.Layout.Vip}} udp dport {{BenchLab.UdpPort}} dnat to numgen inc mod {{n}} map { {{map}} }
              }
            }
            """;
        var path = Path.Combine(Dir(lab), "dnat.nft");
        File.WriteAllText(path, rules);
        Shell.InNs(ns, "nft", "-f", path);
        Shell.Checked("ip", "-n", ns, "addr", "add", $"{lab.Layout.Vip}/32", "dev", "eth0");
        Shell.InNs(ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        WaitServing(lab, null);
    }

    /// <inheritdoc/>
    public override void Stop(BenchLab lab)
    {
        var ns = lab.Layout.Balancer.Namespace;
        // Forwarding off first: the L4 engine relies on the kernel not routing un-rewritten replies.
        Shell.Run("ip", ["netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0"]);
        Shell.Run("ip", ["-n", ns, "addr", "del", $"{lab.Layout.Vip}/32", "dev", "eth0"]);
        Shell.Run("ip", ["netns", "exec", ns, "nft", "delete", "table", "ip", Table]);
        // A SYN flood leaves ~10^5 half-open entries for 120 s; the next round must not start with a full table
        // (nf_conntrack_max is shared by every namespace). Without the conntrack tool they simply time out.
        if (Shell.Has("conntrack"))
        {
            Shell.Run("ip", ["netns", "exec", ns, "conntrack", "-F"]);
        }

        // Client's ARP entry for the VIP is the balancer's MAC either way, so nothing else to undo.
    }
}
