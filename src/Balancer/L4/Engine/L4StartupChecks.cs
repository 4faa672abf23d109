using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>Checks made before the L4 engine opens anything, each with a message that says what to do.</summary>
public static class L4StartupChecks
{
    /// <summary>Returns every problem that would stop the engine from working in this namespace.</summary>
    public static IReadOnlyList<string> Run(L4Settings config)
    {
        var problems = new List<string>();
        if (MissingCapabilities() is { Count: > 0 } missing)
        {
            problems.Add($"the L4 engine needs {string.Join(" and ", missing)} (raw frames, and routes for data-path checks): run it as root, "
                + "or as a service with AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN (configs/balancer.service), "
                + "or `setcap cap_net_raw,cap_net_admin+ep` on the published binary");
        }
        if (!LibPcapProbe.IsAvailable(out var pcapError))
        {
            problems.Add(pcapError);
        }
        var nic = config.Interface is null ? null : InterfaceInfo.Read(config.Interface);
        if (nic is null)
        {
            var known = string.Join(", ", System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().Select(n => n.Name));
            problems.Add($"L4:Interface: '{config.Interface}' is not an interface in this network namespace (there are: {known})");
        }
        else if (nic.Addresses.Count == 0 && config.SourceAddress == 0 && config.Services.Values.Any(s => !s.IsIpv6))
        {
            problems.Add($"L4:Interface: '{config.Interface}' has no IPv4 address; give it one or set L4:SourceAddress (needed to resolve backends with ARP)");
        }
        var usesNat = config.Services.Values.Any(s => !s.IsIpv6 && s.Mode is ForwardingModeKind.Nat or ForwardingModeKind.FullNat);
        if (config.Services.Values.Any(s => s.IsIpv6 && s.Mode is ForwardingModeKind.Nat or ForwardingModeKind.FullNat)
            && ReadSysctl($"net/ipv6/conf/{config.Interface}/forwarding") == "1")
        {
            problems.Add($"net.ipv6.conf.{config.Interface}.forwarding=1 in the balancer's namespace: the kernel would also forward un-rewritten NAT66 replies to clients; set it to 0");
        }
        if (usesNat && ReadSysctl("net/ipv4/ip_forward") == "1")
        {
            problems.Add("net.ipv4.ip_forward=1 in the balancer's namespace: the kernel would also forward un-rewritten NAT replies to clients; set it to 0 (sysctl -w net.ipv4.ip_forward=0)");
        }
        var local = InterfaceInfo.AllAddresses().ToList();
        var local6 = InterfaceInfo.AllAddresses6().ToList();
        foreach (var (name, s) in config.Services)
        {
            foreach (var a in s.FullNatSources6.Prepend(s.Vip6).Where(a => a != UInt128.Zero))
            {
                if (local6.FirstOrDefault(l => l.Address == a) is { Interface: not null } owner)
                {
                    problems.Add($"L4:Services:{name}: '{Ipv6Address.Format(a)}' is an address of interface {owner.Interface} in this namespace; the kernel would answer for it and reset the engine's flows (remove it: ip addr del {Ipv6Address.Format(a)}/128 dev {owner.Interface})");
                }
            }
            foreach (var a in s.FullNatSources.Prepend(s.Vip).Where(a => !s.IsIpv6))
            {
                if (local.FirstOrDefault(l => l.Address == a) is { Interface: not null } owner)
                {
                    problems.Add($"L4:Services:{name}: '{Ipv4Address.Format(a)}' is an address of interface {owner.Interface} in this namespace; the kernel would answer for it and reset the engine's flows (remove it: ip addr del {Ipv4Address.Format(a)}/32 dev {owner.Interface})");
                }
            }
        }
        return problems;
    }

    /// <summary>The capabilities the engine needs that this process lacks in its effective set (CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13).</summary>
    private static List<string> MissingCapabilities()
    {
        ulong caps = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                {
                    caps = Convert.ToUInt64(line["CapEff:".Length..].Trim(), 16);
                    break;
                }
            }
        }
        catch (IOException)
        {
        }
        var missing = new List<string>();
        if ((caps & (1UL << 13)) == 0)
        {
            missing.Add("CAP_NET_RAW");
        }
        if ((caps & (1UL << 12)) == 0)
        {
            missing.Add("CAP_NET_ADMIN");
        }
        return missing;
    }

    private static string? ReadSysctl(string path)
    {
        try
        {
            return File.ReadAllText("/proc/sys/" + path).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
