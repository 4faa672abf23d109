using System.Net;
using System.Text.RegularExpressions;

namespace LoadBalancer.Balancer.Tools;

/// <summary>
/// The host settings a DSR or tunnel backend needs (VIP on lo, ARP and reverse-path sysctls for an IPv4 VIP, IPv6
/// switched on for an IPv6 VIP, a decapsulator for tunnel mode), each printable as commands, checkable, and appliable
/// in the caller's network namespace.
/// </summary>
public sealed partial class BackendSetupPlan
{
    private const string SysctlRoot = "/proc/sys/net/ipv4/conf";

    private BackendSetupPlan(BackendSetupOptions options, string interfaceName, IReadOnlyList<BackendSetting> settings, IReadOnlyList<string> notes)
    {
        Options = options;
        InterfaceName = interfaceName;
        Settings = settings;
        Notes = notes;
    }

    /// <summary>The options the plan was made for.</summary>
    public BackendSetupOptions Options { get; }

    /// <summary>The interface whose rp_filter is set (given, or the default route's).</summary>
    public string InterfaceName { get; }

    /// <summary>Every setting, in the order they should be applied.</summary>
    public IReadOnlyList<BackendSetting> Settings { get; }

    /// <summary>Advice that is not a checkable setting (MTU and MSS in tunnel mode).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>True when this kernel has the ipip module (then tunl0 decapsulates; otherwise `balancer decap` must run).</summary>
    public static bool KernelHasIpip => Directory.Exists("/sys/module/ipip") || Directory.Exists($"{SysctlRoot}/tunl0");

    /// <summary>Builds the plan for the calling thread's network namespace.</summary>
    /// <exception cref="InvalidOperationException">No interface was given and none can be derived from a default route.</exception>
    public static BackendSetupPlan Create(BackendSetupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Vip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return CreateIpv6(options);
        }

        if (options.Vip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new InvalidOperationException($"VIP {options.Vip} is neither an IPv4 nor an IPv6 address");
        }

        var interfaceName = options.InterfaceName ?? DefaultRouteInterface("-4")
            ?? throw new InvalidOperationException("no --interface given and no default route to take it from; pass --interface");
        var settings = new List<BackendSetting>
        {
            VipOnLoopback(options.Vip),
            Sysctl("all", "arp_ignore", "1", "reply to ARP only for addresses on the receiving interface, never for the VIP on lo"),
            Sysctl("all", "arp_announce", "2", "never use the VIP as the source of ARP requests"),
            Sysctl("all", "rp_filter", "0", "the kernel uses the larger of all and the interface"),
            Sysctl(interfaceName, "rp_filter", "0", "replies leave by another path than requests arrive"),
        };
        var notes = new List<string>();
        if (options.Mode == BackendSetupMode.Tunnel)
        {
            if (KernelHasIpip)
            {
                settings.Add(KernelTunnel());
                settings.Add(Sysctl("tunl0", "rp_filter", "0", "inner packets carry the client's source address"));
            }
            else
            {
                settings.Add(UserspaceDecap());
            }

            notes.Add("IP-in-IP adds 20 bytes per packet: full-size segments no longer fit a 1500-byte path and large "
                + "transfers stall. Clamp the MSS this backend advertises to 1440 (the SYN-ACK does not pass the balancer, so only the backend can: ip route change <route to clients> "
                + $"advmss 1440) or raise the MTU of the balancer-to-backend link by 20 (ip link set dev {interfaceName} mtu 1520).");
        }

        return new BackendSetupPlan(options, interfaceName, settings, notes);
    }

    /// <summary>Checks every setting in the calling thread's network namespace.</summary>
    public IReadOnlyList<BackendCheckResult> Check() =>
        Settings.Select(s =>
        {
            var (ok, actual) = s.Probe();
            return new BackendCheckResult(s, ok, actual);
        }).ToList();

    /// <summary>Prints the commands that establish every setting.</summary>
    public void PrintCommands(TextWriter output)
    {
        output.WriteLine($"# backend setup for {Options.Mode.ToString().ToLowerInvariant()} mode, VIP {Options.Vip}, interface {InterfaceName}");
        foreach (var setting in Settings)
        {
            output.WriteLine($"# {setting.Description}");
            foreach (var command in setting.Commands)
            {
                output.WriteLine(command);
            }
        }

        foreach (var note in Notes)
        {
            output.WriteLine($"# note: {note}");
        }
    }

    /// <summary>Prints one line per setting; returns true when all hold.</summary>
    public bool PrintCheck(TextWriter output)
    {
        var results = Check();
        foreach (var result in results)
        {
            if (result.Ok)
            {
                output.WriteLine($"ok       {result.Setting.Description}");
            }
            else
            {
                output.WriteLine($"MISSING  {result.Setting.Description} (found: {result.Actual}); fix: {string.Join("; ", result.Setting.Commands)}");
            }
        }

        int missing = results.Count(r => !r.Ok);
        output.WriteLine(missing == 0 ? "backend is ready" : $"{missing} setting(s) missing");
        return missing == 0;
    }

    /// <summary>Applies every missing setting that a command can establish; returns the ones still missing.</summary>
    public IReadOnlyList<BackendCheckResult> Apply(TextWriter output)
    {
        foreach (var result in Check().Where(r => !r.Ok))
        {
            if (result.Setting.Apply is null)
            {
                output.WriteLine($"manual   {result.Setting.Description}: {string.Join("; ", result.Setting.Commands)}");
                continue;
            }

            output.WriteLine($"apply    {string.Join("; ", result.Setting.Commands)}");
            try
            {
                result.Setting.Apply();
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                output.WriteLine($"failed   {result.Setting.Description}: {ex.Message}");
            }
        }

        return Check().Where(r => !r.Ok).ToList();
    }

    private static BackendSetting VipOnLoopback(IPAddress vip) => new(
        $"VIP {vip}/32 on lo",
        [$"ip addr add {vip}/32 dev lo"],
        () =>
        {
            var result = ProcessRunner.Run("ip", ["-o", "-4", "addr", "show", "dev", "lo"]);
            bool ok = result.Ok && result.StdOut.Contains($" {vip}/32 ", StringComparison.Ordinal);
            return (ok, ok ? "present" : "not on lo");
        },
        () => ProcessRunner.RunChecked("ip", "addr", "add", $"{vip}/32", "dev", "lo"));

    private static BackendSetting Sysctl(string scope, string key, string value, string why)
    {
        var path = $"{SysctlRoot}/{scope}/{key}";
        var name = $"net.ipv4.conf.{scope}.{key}";
        return new BackendSetting(
            $"{name} = {value} ({why})",
            [$"sysctl -w {name}={value}"],
            () =>
            {
                if (!File.Exists(path))
                {
                    return (false, $"no interface {scope}");
                }

                var actual = File.ReadAllText(path).Trim();
                return (actual == value, actual);
            },
            () => File.WriteAllText(path, value));
    }

    private static BackendSetting KernelTunnel() => new(
        "kernel IP-in-IP device tunl0 up",
        ["ip link add tunl0 type ipip 2>/dev/null || true", "ip link set tunl0 up"],
        () =>
        {
            var result = ProcessRunner.Run("ip", ["-o", "link", "show", "dev", "tunl0"]);
            bool up = result.Ok && UpFlag().IsMatch(result.StdOut);
            return (up, result.Ok ? "tunl0 down" : "no tunl0");
        },
        () =>
        {
            ProcessRunner.Run("ip", ["link", "add", "tunl0", "type", "ipip"]);
            ProcessRunner.RunChecked("ip", "link", "set", "tunl0", "up");
        });

    private static BackendSetting UserspaceDecap() => new(
        $"userspace decapsulator running (TUN device {DecapOptions.DefaultTunName}; this kernel has no ipip module)",
        ["balancer decap &   # keep it running, e.g. as a systemd service"],
        () =>
        {
            bool present = Directory.Exists($"{SysctlRoot}/{DecapOptions.DefaultTunName}");
            return (present, present ? "running" : $"no {DecapOptions.DefaultTunName} device");
        },
        null);

    private static string? DefaultRouteInterface(string family)
    {
        var result = ProcessRunner.Run("ip", ["-o", family, "route", "show", "default"]);
        if (!result.Ok)
        {
            return null;
        }

        var match = DevWord().Match(result.StdOut);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"\bdev (\S+)")]
    private static partial Regex DevWord();

    [GeneratedRegex(@"<[^>]*\bUP\b[^>]*>")]
    private static partial Regex UpFlag();
}
