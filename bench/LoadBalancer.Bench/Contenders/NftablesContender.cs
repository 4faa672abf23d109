using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Contenders;

/// <summary>
/// Kernel DNAT in the balancer namespace: nftables `numgen inc mod N` over the backends for the VIP's TCP and UDP
/// ports (<see cref="NftablesDnatRules"/>), the VIP on the balancer's eth0 (so its kernel answers ARP, or neighbour
/// solicitations for the VIP6) and forwarding on for this contender only. <c>nftables6</c> is the same over IPv6: a
/// <c>table ip6</c> for the VIP6 and the backends' IPv6 addresses, <c>net.ipv6.conf.all.forwarding=1</c>.
/// </summary>
/// <param name="name">nftables or nftables6.</param>
internal sealed class NftablesContender(string name = "nftables") : Contender
{
    /// <inheritdoc/>
    public override string Name => name;

    /// <inheritdoc/>
    public override bool Udp => true;

    /// <inheritdoc/>
    public override bool CpuIsSoftIrq => true;

    /// <inheritdoc/>
    /// <remarks>The cold-start and overload rows send IPv4 (the SYN flood spoofs IPv4 sources), so IPv4 only.</remarks>
    public override bool Reliability => !Ipv6;

    /// <inheritdoc/>
    public override RouteMode Routes => RouteMode.ViaBalancer;

    /// <inheritdoc/>
    public override IReadOnlyList<int> Pids => [];

    private string Table => Ipv6 ? "lbbench6" : "lbbench";

    private string Family => Ipv6 ? "ip6" : "ip";

    private string ForwardingKey => Ipv6 ? "net.ipv6.conf.all.forwarding" : "net.ipv4.ip_forward";

    private string VipPrefix(BenchLab lab) => Ipv6 ? $"{lab.Layout.Vip6}/128" : $"{lab.Layout.Vip}/32";

    /// <inheritdoc/>
    public override string HttpBase(BenchLab lab) => BenchLab.HttpBaseOf(lab.VipOf(Ipv6));

    /// <inheritdoc/>
    public override void Start(BenchLab lab)
    {
        var ns = lab.Layout.Balancer.Namespace;
        var rules = NftablesDnatRules.Text(Table, lab.VipOf(Ipv6), BenchLab.HttpPort, BenchLab.UdpPort, lab.Layout.Backends.Select(b => BenchLab.AddressOf(b, Ipv6)).ToList());
        var path = Path.Combine(Dir(lab), "dnat.nft");
        File.WriteAllText(path, rules);
        Shell.InNs(ns, "nft", "-f", path);
        // nodad: a tentative VIP6 would not answer for the first second or two.
        Shell.Checked("ip", ["-n", ns, "addr", "add", VipPrefix(lab), "dev", "eth0", .. Ipv6 ? new[] { "nodad" } : []]);
        Shell.InNs(ns, "sysctl", "-q", "-w", $"{ForwardingKey}=1");
        WaitServing(lab, null);
    }

    /// <inheritdoc/>
    public override void Stop(BenchLab lab)
    {
        var ns = lab.Layout.Balancer.Namespace;
        // Forwarding off first: the L4 engine relies on the kernel not routing un-rewritten replies.
        Shell.Run("ip", ["netns", "exec", ns, "sysctl", "-q", "-w", $"{ForwardingKey}=0"]);
        Shell.Run("ip", ["-n", ns, "addr", "del", VipPrefix(lab), "dev", "eth0"]);
        Shell.Run("ip", ["netns", "exec", ns, "nft", "delete", "table", Family, Table]);
        // A SYN flood leaves ~10^5 half-open entries for 120 s; the next round must not start with a full table
        // (nf_conntrack_max is shared by every namespace). Without the conntrack tool they simply time out.
        if (Shell.Has("conntrack"))
        {
            Shell.Run("ip", ["netns", "exec", ns, "conntrack", "-F", .. Ipv6 ? new[] { "-f", "ipv6" } : []]);
        }

        // Client's ARP (neighbour) entry for the VIP is the balancer's MAC either way, so nothing else to undo.
    }
}
