using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Selection;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>Checks the <c>L4</c> section: addresses, ports, modes, selectors, VIP conflicts and per-mode requirements.</summary>
public static class L4ConfigValidator
{
    /// <summary>Adds every problem in the L4 section to <paramref name="errors"/>.</summary>
    public static void Validate(L4Config l4, List<ConfigError> errors)
    {
        ValidateIo(l4, errors);
        ValidateAnnounce(l4.Announce, errors);
        if (l4.Services.Count == 0)
        {
            return;
        }
        ValidateEngine(l4, errors);
        var endpoints = new Dictionary<(uint, int, string), string>();
        var vips = new HashSet<uint>();
        foreach (var (name, s) in l4.Services)
        {
            ValidateService($"L4:Services:{name}", s, endpoints, vips, errors);
        }
        // A backend address that is also a VIP would loop packets through the engine.
        foreach (var (name, s) in l4.Services)
        {
            foreach (var (id, b) in s.Backends)
            {
                if (TryUnicast(b.Address, out var a) && vips.Contains(a))
                {
                    errors.Add(new ConfigError($"L4:Services:{name}:Backends:{id}:Address", b.Address, "is a VIP of this balancer"));
                }
            }
        }
    }

    private static void ValidateEngine(L4Config l4, List<ConfigError> errors)
    {
        if (string.IsNullOrWhiteSpace(l4.Interface))
        {
            errors.Add(new ConfigError("L4:Interface", null, "is required when L4:Services has services"));
        }
        else if (l4.Interface.Length > 15 || l4.Interface.IndexOfAny(['/', ' ', ':']) >= 0)
        {
            errors.Add(new ConfigError("L4:Interface", l4.Interface, "is not a Linux interface name"));
        }
        CheckOptionalAddress(l4.SourceAddress, "L4:SourceAddress", errors);
        CheckOptionalAddress(l4.Gateway, "L4:Gateway", errors);
        var t = l4.ConnectionTable;
        if (t.Capacity is < 16 or > 16_777_216)
        {
            errors.Add(new ConfigError("L4:ConnectionTable:Capacity", Str(t.Capacity), "must be from 16 to 16777216"));
        }
        Positive(t.SynTimeout, "L4:ConnectionTable:SynTimeout", errors);
        Positive(t.EstablishedTimeout, "L4:ConnectionTable:EstablishedTimeout", errors);
        Positive(t.ClosingTimeout, "L4:ConnectionTable:ClosingTimeout", errors);
        Positive(t.UdpTimeout, "L4:ConnectionTable:UdpTimeout", errors);
        if (l4.RetiredBackendGrace < TimeSpan.Zero)
        {
            errors.Add(new ConfigError("L4:RetiredBackendGrace", l4.RetiredBackendGrace.ToString("c", CultureInfo.InvariantCulture), "must not be negative"));
        }
    }

    private static void ValidateService(string path, L4ServiceConfig s, Dictionary<(uint, int, string), string> endpoints, HashSet<uint> vips, List<ConfigError> errors)
    {
        var vipOk = TryUnicast(s.Vip, out var vip);
        if (!vipOk)
        {
            errors.Add(new ConfigError($"{path}:Vip", s.Vip, "is not a unicast IPv4 address"));
        }
        if (s.Port is < 1 or > 65535)
        {
            errors.Add(new ConfigError($"{path}:Port", Str(s.Port), "must be from 1 to 65535"));
        }
        var protocol = s.Protocol.ToLowerInvariant();
        if (protocol is not ("tcp" or "udp"))
        {
            errors.Add(new ConfigError($"{path}:Protocol", s.Protocol, "must be tcp or udp"));
        }
        if (vipOk && s.Port is >= 1 and <= 65535 && !endpoints.TryAdd((vip, s.Port, protocol), path))
        {
            errors.Add(new ConfigError($"{path}:Vip", s.Vip, $"with port {s.Port}/{protocol} is already the VIP of {endpoints[(vip, s.Port, protocol)]}"));
        }
        if (vipOk)
        {
            vips.Add(vip);
        }
        ForwardingModeKind? mode = ForwardingModeRegistry.TryGet(s.Mode, out var m) ? m.Kind : null;
        if (mode is null)
        {
            errors.Add(new ConfigError($"{path}:Mode", s.Mode, "is not a mode (nat, fullnat, tunnel, dsr)"));
        }
        ValidateSelector(path, s.Selector, errors);
        if (s.MssClamp == MssClampMode.Fixed && s.Mss is not (>= 536 and <= 9000))
        {
            errors.Add(new ConfigError($"{path}:Mss", s.Mss is { } mss ? Str(mss) : null, "must be from 536 to 9000 when MssClamp is Fixed"));
        }
        CheckOptionalAddress(s.TunnelSource, $"{path}:TunnelSource", errors);
        if (mode == ForwardingModeKind.FullNat && s.FullNatSources.Count == 0)
        {
            errors.Add(new ConfigError($"{path}:FullNatSources", null, "must list at least one address in fullnat mode"));
        }
        for (var i = 0; i < s.FullNatSources.Count; i++)
        {
            if (!TryUnicast(s.FullNatSources[i], out _))
            {
                errors.Add(new ConfigError($"{path}:FullNatSources:{i}", s.FullNatSources[i], "is not a unicast IPv4 address"));
            }
        }
        if (s.Backends.Count == 0)
        {
            errors.Add(new ConfigError($"{path}:Backends", null, "must list at least one backend"));
        }
        var seen = new Dictionary<(uint, int), string>();
        foreach (var (id, b) in s.Backends)
        {
            ValidateBackend($"{path}:Backends:{id}", id, b, s, mode, seen, errors);
        }
    }

    private static void ValidateSelector(string path, string selector, List<ConfigError> errors)
    {
        if (!BackendSelectorFactory.IsKnown(selector))
        {
            errors.Add(new ConfigError($"{path}:Selector", selector, $"is not a selector ({string.Join(", ", BackendSelectorFactory.KnownNames)})"));
        }
        else if (string.Equals(selector, "leastconn", StringComparison.OrdinalIgnoreCase))
        {
            // The connection table does not keep per-backend flow counts yet, which least-connections needs.
            errors.Add(new ConfigError($"{path}:Selector", selector, "is not available for L4 services yet (use maglev or wrr)"));
        }
    }

    private static void ValidateBackend(
        string path, string id, L4BackendConfig b, L4ServiceConfig s, ForwardingModeKind? mode, Dictionary<(uint, int), string> seen, List<ConfigError> errors)
    {
        if (!TryUnicast(b.Address, out var address))
        {
            errors.Add(new ConfigError($"{path}:Address", b.Address, "is not a unicast IPv4 address"));
            return;
        }
        var port = b.Port ?? s.Port;
        if (port is < 1 or > 65535)
        {
            errors.Add(new ConfigError($"{path}:Port", Str(port), "must be from 1 to 65535"));
        }
        else if (mode is ForwardingModeKind.Dsr or ForwardingModeKind.Tunnel && port != s.Port)
        {
            errors.Add(new ConfigError($"{path}:Port", Str(port), $"must equal the service port {s.Port} in {s.Mode.ToLowerInvariant()} mode (the packet is not rewritten)"));
        }
        if (b.Weight is < 0 or > 1000)
        {
            errors.Add(new ConfigError($"{path}:Weight", Str(b.Weight), "must be from 0 to 1000"));
        }
        if (!seen.TryAdd((address, port), id))
        {
            errors.Add(new ConfigError($"{path}:Address", b.Address, $"with port {port} is already backend {seen[(address, port)]}"));
        }
    }

    private static void ValidateIo(L4Config l4, List<ConfigError> errors)
    {
        if (l4.Workers is { } w && w is < 1 or > L4Config.MaxWorkers)
        {
            errors.Add(new ConfigError("L4:Workers", Str(w), $"must be from 1 to {L4Config.MaxWorkers}"));
        }
        var io = l4.Io ?? new L4IoConfig();
        if (!L4IoConfig.TryParseTransmit(io.Transmit, out _))
        {
            errors.Add(new ConfigError("L4:Io:Transmit", io.Transmit, "must be ring, sendmmsg or pcap"));
        }
        if (io.BatchSize is < L4IoConfig.MinBatchSize or > L4IoConfig.MaxBatchSize)
        {
            errors.Add(new ConfigError("L4:Io:BatchSize", Str(io.BatchSize), $"must be from {L4IoConfig.MinBatchSize} to {L4IoConfig.MaxBatchSize}"));
        }
        if (io.RingFrames is < L4IoConfig.MinRingFrames or > L4IoConfig.MaxRingFrames)
        {
            errors.Add(new ConfigError("L4:Io:RingFrames", Str(io.RingFrames), $"must be from {L4IoConfig.MinRingFrames} to {L4IoConfig.MaxRingFrames}"));
        }
        if (io.ReceiveBufferMiB is < L4IoConfig.MinReceiveBufferMiB or > L4IoConfig.MaxReceiveBufferMiB)
        {
            errors.Add(new ConfigError("L4:Io:ReceiveBufferMiB", Str(io.ReceiveBufferMiB), $"must be from {L4IoConfig.MinReceiveBufferMiB} to {L4IoConfig.MaxReceiveBufferMiB}"));
        }
    }

    /// <summary>Parses a unicast IPv4 address (not 0.0.0.0/8, loopback, multicast, or broadcast) into its numeric host-order form.</summary>
    public static bool TryUnicast(string? text, out uint address)
    {
        address = 0;
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork || text!.Count(c => c == '.') != 3)
        {
            return false;
        }
        var b = ip.GetAddressBytes();
        address = (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
        return b[0] is not (0 or 127) && b[0] < 224;
    }

    private static void CheckOptionalAddress(string? text, string path, List<ConfigError> errors)
    {
        if (text is not null && !TryUnicast(text, out _))
        {
            errors.Add(new ConfigError(path, text, "is not a unicast IPv4 address"));
        }
    }

    private static void Positive(TimeSpan t, string path, List<ConfigError> errors)
    {
        if (t <= TimeSpan.Zero)
        {
            errors.Add(new ConfigError(path, t.ToString("c", CultureInfo.InvariantCulture), "must be greater than 0"));
        }
    }

    private static string Str(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static void ValidateAnnounce(L4AnnounceConfig a, List<ConfigError> errors)
    {
        if (a.Table is < L4AnnounceConfig.MinTable or > L4AnnounceConfig.MaxTable)
        {
            errors.Add(new ConfigError("L4:Announce:Table", Str(a.Table), $"must be from {L4AnnounceConfig.MinTable} to {L4AnnounceConfig.MaxTable} (253-255 are the kernel's own tables)"));
        }
        if (a.Device.Length is 0 or > 15 || a.Device.IndexOfAny(['/', ' ', ':']) >= 0)
        {
            errors.Add(new ConfigError("L4:Announce:Device", a.Device, "is not a Linux interface name (1 to 15 characters, no '/', ' ' or ':')"));
        }
    }
}
