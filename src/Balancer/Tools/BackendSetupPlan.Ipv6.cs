using System.Net;

namespace LoadBalancer.Balancer.Tools;

// The settings for an IPv6 VIP. Linux needs fewer than for IPv4: it answers a neighbour solicitation only for an
// address on the interface it arrived on and sources its own solicitations from that interface's addresses, so the
// VIP on lo is never announced (no arp_ignore/arp_announce), and IPv6 has no rp_filter sysctl.
public sealed partial class BackendSetupPlan
{
    private const string Sysctl6Root = "/proc/sys/net/ipv6/conf";

    /// <summary>True when this kernel has the ip6_tunnel module (then ip6tnl0 decapsulates; otherwise `balancer decap` must run).</summary>
    public static bool KernelHasIp6Tunnel => Directory.Exists("/sys/module/ip6_tunnel") || Directory.Exists($"{Sysctl6Root}/ip6tnl0");

    private static BackendSetupPlan CreateIpv6(BackendSetupOptions options)
    {
        var interfaceName = options.InterfaceName ?? DefaultRouteInterface("-6") ?? DefaultRouteInterface("-4")
            ?? throw new InvalidOperationException("no --interface given and no default route to take it from; pass --interface");
        var settings = new List<BackendSetting>
        {
            Sysctl6("all", "disable_ipv6", "0", "IPv6 on in this namespace"),
            Sysctl6("lo", "disable_ipv6", "0", "lo carries the VIP"),
            Sysctl6(interfaceName, "disable_ipv6", "0", "packets from the balancer arrive here"),
            Vip6OnLoopback(options.Vip),
            NoTentativeAddress(interfaceName),
        };
        var notes = new List<string>
        {
            "no arp_ignore/arp_announce/rp_filter for IPv6: the kernel answers neighbour solicitations only for addresses "
            + $"on the receiving interface, so the VIP on lo is never announced on {interfaceName}",
        };
        if (options.Mode == BackendSetupMode.Tunnel)
        {
            if (KernelHasIp6Tunnel)
            {
                settings.Add(KernelTunnel6());
            }
            else
            {
                // The decapsulator's TUN device is created later and takes its IPv6 switch from "default".
                settings.Add(Sysctl6("default", "disable_ipv6", "0", $"the TUN device {DecapOptions.DefaultTunName} made later must take IPv6"));
                settings.Add(UserspaceDecap6());
            }

            notes.Add("IPv6-in-IPv6 adds 40 bytes per packet: clamp the MSS this backend advertises to 1400 (ip -6 route change "
                + $"<route to clients> advmss 1400) or raise the MTU of the balancer-to-backend link by 40 (ip link set dev {interfaceName} mtu 1540).");
        }

        return new BackendSetupPlan(options, interfaceName, settings, notes);
    }

    private static BackendSetting Vip6OnLoopback(IPAddress vip) => new(
        $"VIP {vip}/128 on lo (addresses on lo skip duplicate address detection: usable at once)",
        [$"ip -6 addr add {vip}/128 dev lo"],
        () =>
        {
            var result = ProcessRunner.Run("ip", ["-o", "-6", "addr", "show", "dev", "lo"]);
            var line = result.StdOut.Split('\n').FirstOrDefault(l => l.Contains($" {vip}/128 ", StringComparison.Ordinal));
            if (line is null)
            {
                return (false, "not on lo");
            }

            return line.Contains("dadfailed", StringComparison.Ordinal) ? (false, "dadfailed")
                : line.Contains("tentative", StringComparison.Ordinal) ? (false, "tentative") : (true, "present");
        },
        () => ProcessRunner.RunChecked("ip", "-6", "addr", "add", $"{vip}/128", "dev", "lo"));

    private static BackendSetting NoTentativeAddress(string interfaceName) => new(
        $"no tentative or dadfailed IPv6 address on {interfaceName} (until duplicate address detection ends, packets to it are dropped)",
        [$"wait a few seconds for DAD, add lab addresses with `nodad`; a dadfailed address is a duplicate on the link: change it"],
        () =>
        {
            var result = ProcessRunner.Run("ip", ["-o", "-6", "addr", "show", "dev", interfaceName]);
            if (!result.Ok)
            {
                return (false, $"no interface {interfaceName}");
            }

            var bad = result.StdOut.Split('\n')
                .Where(l => l.Contains("tentative", StringComparison.Ordinal) || l.Contains("dadfailed", StringComparison.Ordinal))
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(w => w != "inet6").Skip(1).FirstOrDefault() ?? "?")
                .ToList();
            return (bad.Count == 0, bad.Count == 0 ? "none" : string.Join(' ', bad));
        },
        null);

    private static BackendSetting Sysctl6(string scope, string key, string value, string why)
    {
        var path = $"{Sysctl6Root}/{scope}/{key}";
        var name = $"net.ipv6.conf.{scope}.{key}";
        return new BackendSetting(
            $"{name} = {value} ({why})",
            [$"sysctl -w {name}={value}"],
            () =>
            {
                if (!File.Exists(path))
                {
                    return (false, Directory.Exists(Sysctl6Root) ? $"no interface {scope}" : "no IPv6 in this kernel");
                }

                var actual = File.ReadAllText(path).Trim();
                return (actual == value, actual);
            },
            () => File.WriteAllText(path, value));
    }

    private static BackendSetting KernelTunnel6() => new(
        "kernel IPv6-in-IPv6 fallback device ip6tnl0 up (takes next header 41 for every local address)",
        ["ip link set ip6tnl0 up"],
        () =>
        {
            var result = ProcessRunner.Run("ip", ["-o", "link", "show", "dev", "ip6tnl0"]);
            bool up = result.Ok && UpFlag().IsMatch(result.StdOut);
            return (up, result.Ok ? "ip6tnl0 down" : "no ip6tnl0");
        },
        () => ProcessRunner.RunChecked("ip", "link", "set", "ip6tnl0", "up"));

    private static BackendSetting UserspaceDecap6() => new(
        $"userspace decapsulator running for next header 41 (TUN device {DecapOptions.DefaultTunName} with IPv6; this kernel has no ip6_tunnel module)",
        ["balancer decap &   # keep it running, e.g. as a systemd service; it takes protocol 4 and next header 41"],
        () =>
        {
            var path = $"{Sysctl6Root}/{DecapOptions.DefaultTunName}/disable_ipv6";
            if (!File.Exists(path))
            {
                return (false, $"no {DecapOptions.DefaultTunName} device");
            }

            bool on = File.ReadAllText(path).Trim() == "0";
            return (on, on ? "running" : $"{DecapOptions.DefaultTunName} has IPv6 disabled");
        },
        null);
}
