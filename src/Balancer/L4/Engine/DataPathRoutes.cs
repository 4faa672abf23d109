using System.Globalization;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Tools;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using Microsoft.Extensions.Logging;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>Policy routes that let the balancer's own kernel reach the VIP through one chosen DSR or tunnel backend: a firewall mark per backend selects a table whose only route is VIP via that backend (DSR) or into the engine's probe device (tunnel).</summary>
/// <remarks>
/// This is how the data-path probe sends a real TCP handshake to VIP:port the way client traffic goes (destination MAC of
/// the backend, destination IP the VIP): a backend without the VIP on a local interface never answers it. The rules
/// and tables live in the balancer's own namespace and are removed when the engine stops. Tunnel backends cannot be
/// reached by a route (the packet must be wrapped, and this kernel may have no ipip module): their tables send VIP into
/// <see cref="TunnelProbeTap"/>, whose packets the engine wraps for the backend the probe registered.
/// </remarks>
public sealed partial class DataPathRoutes(string interfaceName, ILogger logger) : IDisposable
{
    private const int FirstTable = 24200;
    private const uint MarkBase = 0x4C42_0000;
    private readonly object _lock = new();
    private Dictionary<(string Pool, string Backend), Route> _routes = [];
    private TunnelProbeTap? _tap;
    private ProbeFrameSender? _sender;

    /// <summary>One backend's probe path; <paramref name="Tunnel"/>: through the engine's probe device, wrapped in IP-in-IP (IPv6-in-IPv6 for an IPv6 VIP).</summary>
    public readonly record struct Route(string Vip, int Port, string Backend, uint Mark, int Table, bool Tunnel = false)
    {
        /// <summary>Whether the VIP (and so the backend) is IPv6.</summary>
        public bool IsIpv6 => Vip.Contains(':', StringComparison.Ordinal);
    }

    /// <summary>The probe device of tunnel services (null until a tunnel service has a data-path check).</summary>
    public TunnelProbeTap? Tap
    {
        get
        {
            lock (_lock)
            {
                return _tap;
            }
        }
    }

    /// <summary>Sets the engine that wraps and sends tunnel probe packets (now and for a probe device made later).</summary>
    public void AttachEngine(ProbeFrameSender? sender)
    {
        lock (_lock)
        {
            _sender = sender;
            _tap?.Attach(sender);
        }
    }

    /// <summary>Looks up the path of a backend.</summary>
    public bool TryGet(string pool, string backend, out Route route)
    {
        lock (_lock)
        {
            return _routes.TryGetValue((pool, backend), out route);
        }
    }

    /// <summary>Makes the rules match the DSR services of <paramref name="config"/> that have a data-path check.</summary>
    public void Apply(L4Settings config, IReadOnlyDictionary<string, HealthPoolConfig> health)
    {
        lock (_lock)
        {
            var wanted = Plan(config, health, _routes);
            foreach (var old in _routes.Values.Where(r => !wanted.ContainsValue(r)))
            {
                Remove(old);
            }
            foreach (var route in wanted.Values.Where(r => !_routes.ContainsValue(r)))
            {
                Add(route);
            }
            _routes = wanted;
        }
    }

    /// <summary>The routes <paramref name="config"/> needs; a backend that already has one keeps its mark and table, a new one takes the lowest free number.</summary>
    internal static Dictionary<(string Pool, string Backend), Route> Plan(
        L4Settings config, IReadOnlyDictionary<string, HealthPoolConfig> health, IReadOnlyDictionary<(string Pool, string Backend), Route> current)
    {
        var probed = new List<((string, string) Key, string Vip, int Port, string Address, bool Tunnel)>();
        foreach (var (name, s) in config.Services.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            var tunnel = s.Mode == ForwardingModeKind.Tunnel;
            if (!(tunnel || s.Mode == ForwardingModeKind.Dsr)
                || !health.TryGetValue(name, out var h) || !string.Equals(h.Check?.Probe, "datapath", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var vip = s.IsIpv6 ? LoadBalancer.Modes.Packets.Ipv6Address.Format(s.Vip6) : Ipv4Address.Format(s.Vip);
            foreach (var (id, b) in s.Backends.OrderBy(x => x.Key, StringComparer.Ordinal))
            {
                probed.Add(((name, id), vip, s.Port, b.AddressText, tunnel));
            }
        }
        // Numbers stay with their backend: adding or removing one must not move the others' rules and tables.
        var taken = probed.Where(p => current.ContainsKey(p.Key)).Select(p => current[p.Key].Table - FirstTable).ToHashSet();
        var wanted = new Dictionary<(string, string), Route>();
        var free = 0;
        foreach (var (key, vip, port, address, tunnel) in probed)
        {
            int index;
            if (current.TryGetValue(key, out var existing))
            {
                index = existing.Table - FirstTable;
            }
            else
            {
                while (taken.Contains(free))
                {
                    free++;
                }
                index = free;
                taken.Add(index);
            }
            wanted[key] = new Route(vip, port, address, MarkBase + (uint)index, FirstTable + index, tunnel);
        }
        return wanted;
    }

    private void Add(Route r)
    {
        Remove(r);
        var table = r.Table.ToString(CultureInfo.InvariantCulture);
        var mark = "0x" + r.Mark.ToString("x", CultureInfo.InvariantCulture);
        var (family, hostBits) = r.IsIpv6 ? ("-6", "128") : ("-4", "32");
        var route = r.Tunnel ? AddTunnelRoute(r, table) : ProcessRunner.Run("ip", [family, "route", "replace", $"{r.Vip}/{hostBits}", "via", r.Backend, "dev", interfaceName, "table", table]);
        var rule = ProcessRunner.Run("ip", [family, "rule", "add", "fwmark", mark, "table", table, "priority", table]);
        if (!route.Ok || !rule.Ok)
        {
            LogRouteFailed(logger, r.Backend, (route.StdErr + rule.StdErr).Trim());
        }
    }

    private ProcessResult AddTunnelRoute(Route r, string table)
    {
        if (_tap is null && TunnelProbeTap.TryOpen(logger) is { } tap)
        {
            _tap = tap;
            tap.Attach(_sender);
        }
        // The probe's source is the data interface's address: the backend answers it directly, like a client.
        var nic = InterfaceInfo.Read(interfaceName);
        if (r.IsIpv6)
        {
            var source6 = nic?.Addresses6.FirstOrDefault() ?? UInt128.Zero;
            string[] src6 = source6 == UInt128.Zero ? [] : ["src", LoadBalancer.Modes.Packets.Ipv6Address.Format(source6)];
            return ProcessRunner.Run("ip", ["-6", "route", "replace", $"{r.Vip}/128", "dev", TunnelProbeTap.DeviceName, .. src6, "table", table]);
        }
        var source = nic?.Addresses.FirstOrDefault().Address ?? 0;
        string[] src = source == 0 ? [] : ["src", LoadBalancer.Modes.Packets.Ipv4Address.Format(source)];
        return ProcessRunner.Run("ip", ["route", "replace", $"{r.Vip}/32", "dev", TunnelProbeTap.DeviceName, .. src, "table", table]);
    }

    private static void Remove(Route r)
    {
        var table = r.Table.ToString(CultureInfo.InvariantCulture);
        var family = r.IsIpv6 ? "-6" : "-4";
        ProcessRunner.Run("ip", [family, "rule", "del", "priority", table]);
        ProcessRunner.Run("ip", [family, "route", "flush", "table", table]);
    }

    /// <summary>Removes every rule and table this instance made.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var r in _routes.Values)
            {
                Remove(r);
            }
            _routes = [];
            _tap?.Dispose();
            _tap = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot set up the data-path probe route via {Backend}: {Error}")]
    private static partial void LogRouteFailed(ILogger logger, string backend, string error);
}
