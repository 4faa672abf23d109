using System.Net;
using System.Net.Sockets;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>Address families: IPv4 and IPv6 services, and the rule that a service's addresses are all of its VIP's family.</summary>
public static partial class L4ConfigValidator
{
    private static readonly UInt128 s_v4MappedPrefix = new(0, 0x0000_FFFF_0000_0000);

    /// <summary>An IPv4 address as its IPv4-mapped IPv6 form, to key IPv4 and IPv6 addresses in one table.</summary>
    private static UInt128 Mapped(uint address) => s_v4MappedPrefix | address;

    private static bool LooksIpv6(string? text) => IPAddress.TryParse(text, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6;

    private static bool LooksIpv4(string? text) => IPAddress.TryParse(text, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork;

    /// <summary>Parses a unicast IPv6 address (not ::, ::1, multicast, IPv4-mapped; link-local only when allowed) into its numeric form.</summary>
    private static bool TryUnicast6(string? text, out UInt128 address, bool allowLinkLocal)
    {
        address = UInt128.Zero;
        if (text is null || !Ipv6Address.TryParse(text, out var parsed) || Ipv6Address.IsMartianSource(parsed))
        {
            return false;
        }
        if (!allowLinkLocal && (parsed >> 118) == 0x3FA)
        {
            return false;
        }
        address = parsed;
        return true;
    }

    /// <summary>Adds "is IPv6 but the VIP is IPv4" (or the reverse) for an address of the other family; true when it was one.</summary>
    private static bool OtherFamily(string path, string? text, string vip, bool ipv6, List<ConfigError> errors)
    {
        var other = ipv6 ? LooksIpv4(text) : LooksIpv6(text);
        if (other && (ipv6 ? LooksIpv6(vip) : LooksIpv4(vip)))
        {
            var (mine, theirs) = ipv6 ? ("IPv4", "IPv6") : ("IPv6", "IPv4");
            errors.Add(new ConfigError(path, text, $"is {mine} but the VIP '{vip}' is {theirs}: a service's addresses are all of one family"));
            return true;
        }
        return false;
    }

    /// <summary>A tunnel or full-NAT source of the VIP's family (IPv4 as its numeric value); 0 when absent or refused (with an error).</summary>
    private static UInt128 SourceOfFamily(string path, string? text, string vip, bool ipv6, List<ConfigError> errors)
    {
        if (text is null || OtherFamily(path, text, vip, ipv6, errors))
        {
            return UInt128.Zero;
        }
        if (ipv6 ? TryUnicast6(text, out var v6, allowLinkLocal: false) : TryUnicast(text, out var v4) && (v6 = v4) != UInt128.Zero)
        {
            return v6;
        }
        errors.Add(new ConfigError(path, text, ipv6 ? "is not a unicast global IPv6 address" : "is not a unicast IPv4 address"));
        return UInt128.Zero;
    }

    /// <summary>A backend address of the VIP's family; false (with an error) otherwise.</summary>
    private static bool TryBackendAddress(string path, string text, string vip, bool ipv6, List<ConfigError> errors, out uint address, out UInt128 address6)
    {
        address = 0;
        address6 = UInt128.Zero;
        if (OtherFamily($"{path}:Address", text, vip, ipv6, errors))
        {
            return false;
        }
        if (ipv6 ? TryUnicast6(text, out address6, allowLinkLocal: false) : TryUnicast(text, out address))
        {
            return true;
        }
        errors.Add(new ConfigError($"{path}:Address", text, ipv6 ? "is not a unicast global IPv6 address" : "is not a unicast IPv4 address"));
        return false;
    }

    /// <summary>Whether a service's VIP (IPv4 or IPv6) is announced: its own <c>Announce</c>, else <c>L4:Announce:Enabled</c>.</summary>
    private static bool AnnounceService(L4ServiceConfig config, bool enabled) => config.Announce ?? enabled;
}
