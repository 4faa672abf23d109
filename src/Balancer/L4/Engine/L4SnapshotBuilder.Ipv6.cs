using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>The IPv6 half of the kernel filter.</summary>
public sealed partial class L4SnapshotBuilder
{
    /// <summary>An IPv6 service's VIP and full-NAT sources (destinations) and, for NAT66, its backends (sources of replies).</summary>
    private void AddFilterAddresses6(string name, L4ServiceSettings s, SortedSet<string> dst6, SortedSet<string> src6)
    {
        dst6.Add(Ipv6Address.Format(s.Vip6));
        foreach (var f in s.FullNatSources6)
        {
            dst6.Add(Ipv6Address.Format(f));
        }
        if (s.Mode == ForwardingModeKind.Nat)
        {
            foreach (var slot in _slots[name].Where(x => !x.Dead))
            {
                src6.Add(slot.Config!.AddressText);
            }
        }
    }

    /// <summary>Neighbour solicitations and advertisements (ICMPv6 135/136 right after the fixed header), traffic to IPv6 VIPs and full-NAT sources, NAT66 replies not addressed to the balancer's own IPv6 addresses.</summary>
    private List<string> FilterParts6(SortedSet<string> dst6, SortedSet<string> src6)
    {
        var parts = new List<string>();
        if (dst6.Count == 0)
        {
            return parts;
        }
        parts.Add("(ip6 and ip6[6] == 58 and (ip6[40] == 135 or ip6[40] == 136))");
        parts.Add("(ip6 and (" + string.Join(" or ", dst6.Select(a => $"dst host {a}")) + "))");
        if (src6.Count > 0)
        {
            var own = _nic.Addresses6.Select(a => $"dst host {Ipv6Address.Format(a)}").ToList();
            var notOwn = own.Count == 0 ? "" : " and not (" + string.Join(" or ", own) + ")";
            parts.Add("(ip6 and (" + string.Join(" or ", src6.Select(a => $"src host {a}")) + ")" + notOwn + ")");
        }
        return parts;
    }
}
