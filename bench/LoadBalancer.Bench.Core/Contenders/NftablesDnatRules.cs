using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LoadBalancer.Bench.Contenders;

/// <summary>
/// The ruleset of the kernel DNAT contender: a nat table of the VIP's family (<c>table ip</c> for an IPv4 VIP,
/// <c>table ip6</c> for an IPv6 one) whose prerouting chain sends the VIP's TCP and UDP ports round-robin
/// (<c>numgen inc mod N</c>) to the backends. Replies return through the balancer (the backends route the client
/// net via it), so no masquerade is needed, as with the L4 engine's NAT.
/// </summary>
public static class NftablesDnatRules
{
    /// <summary>The nft family keyword of <paramref name="vip"/>'s table and address match: <c>ip</c> or <c>ip6</c>.</summary>
    public static string FamilyOf(IPAddress vip)
    {
        ArgumentNullException.ThrowIfNull(vip);
        return vip.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "ip";
    }

    /// <summary>The ruleset text for <c>nft -f</c>.</summary>
    /// <exception cref="ArgumentException">No backends, or a backend of another family than the VIP.</exception>
    public static string Text(string table, IPAddress vip, int tcpPort, int udpPort, IReadOnlyList<IPAddress> backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        var family = FamilyOf(vip);
        if (backends.Count == 0)
        {
            throw new ArgumentException("kernel DNAT needs at least one backend", nameof(backends));
        }

        if (backends.FirstOrDefault(b => b.AddressFamily != vip.AddressFamily) is { } other)
        {
            throw new ArgumentException($"backend {other} is not of the VIP {vip}'s family", nameof(backends));
        }

        var map = string.Join(", ", backends.Select((b, i) => string.Create(CultureInfo.InvariantCulture, $"{i} : {b}")));
        int n = backends.Count;
        var noRedirects = family == "ip6"
            ? "\n  chain out {\n    type filter hook output priority filter; policy accept;\n    icmpv6 type nd-redirect drop\n  }"
            : "";
        return string.Create(CultureInfo.InvariantCulture, $$"""
            table {{family}} {{table}} {
              chain pre {
                type nat hook prerouting priority dstnat; policy accept;
                {{family}} daddr {{vip}} tcp dport {{tcpPort}} dnat to numgen inc mod {{n}} map { {{map}} }
                {{family}} daddr {{vip}} udp dport {{udpPort}} dnat to numgen inc mod {{n}} map { {{map}} }
              }{{noRedirects}}
            }
            """);
    }
}
