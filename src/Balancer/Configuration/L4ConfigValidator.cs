using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Selection;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>Checks the <c>L4</c> section: addresses, ports, modes, selectors, VIP conflicts and per-mode requirements.</summary>
public static partial class L4ConfigValidator
{
    /// <summary>Adds every problem in the L4 section to <paramref name="errors"/> and returns the section parsed (meaningful only when no error was added).</summary>
    public static L4Settings Validate(L4Config l4, List<ConfigError> errors)
    {
        ValidateIo(l4, errors);
        ValidateAnnounce(l4.Announce, errors);
        var settings = new L4Settings
        {
            Interface = l4.Interface,
            RetiredBackendGrace = l4.RetiredBackendGrace,
            ConnectionTable = l4.ConnectionTable.ToOptions(),
            Workers = l4.EffectiveWorkers,
            Io = l4.Io ?? new L4IoConfig(),
            Announce = l4.Announce,
        };
        if (l4.Services.Count == 0)
        {
            return settings;
        }
        ValidateEngine(l4, errors);
        var endpoints = new Dictionary<(UInt128, int, string), string>();
        var services = new Dictionary<string, L4ServiceSettings>(StringComparer.Ordinal);
        foreach (var (name, s) in l4.Services)
        {
            var service = ValidateService(name, s, endpoints, errors);
            services[name] = service with { Announce = AnnounceService(s, l4.Announce.Enabled) };
        }
        // A backend address that is also a VIP would loop packets through the engine.
        var vips = services.Values.Select(s => s.IsIpv6 ? s.Vip6 : Mapped(s.Vip)).Where(v => v != Mapped(0)).ToHashSet();
        foreach (var (name, s) in services)
        {
            foreach (var (id, b) in s.Backends.Where(b => vips.Contains(b.Value.Address6 != UInt128.Zero ? b.Value.Address6 : Mapped(b.Value.Address))))
            {
                errors.Add(new ConfigError($"L4:Services:{name}:Backends:{id}:Address", l4.Services[name].Backends[id].Address, "is a VIP of this balancer"));
            }
        }
        return settings with
        {
            SourceAddress = TryUnicast(l4.SourceAddress, out var source) ? source : 0,
            SourceAddress6 = TryUnicast6(l4.SourceAddress6, out var source6, allowLinkLocal: true) ? source6 : UInt128.Zero,
            Gateway = TryUnicast(l4.Gateway, out var gateway) ? gateway : 0,
            Gateway6 = TryUnicast6(l4.Gateway6, out var gateway6, allowLinkLocal: true) ? gateway6 : UInt128.Zero,
            Services = services,
        };
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
        if (l4.SourceAddress6 is not null && !TryUnicast6(l4.SourceAddress6, out _, allowLinkLocal: true))
        {
            errors.Add(new ConfigError("L4:SourceAddress6", l4.SourceAddress6, "is not a unicast IPv6 address"));
        }
        if (l4.Gateway6 is not null && !TryUnicast6(l4.Gateway6, out _, allowLinkLocal: true))
        {
            errors.Add(new ConfigError("L4:Gateway6", l4.Gateway6, "is not a unicast IPv6 address (a router's link-local or global address)"));
        }
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

    private static L4ServiceSettings ValidateService(string name, L4ServiceConfig s, Dictionary<(UInt128, int, string), string> endpoints, List<ConfigError> errors)
    {
        var path = $"L4:Services:{name}";
        var (vip, vip6, protocol) = ValidateEndpoint(path, s, endpoints, errors);
        var ipv6 = vip6 != UInt128.Zero || (vip == 0 && LooksIpv6(s.Vip));
        ForwardingModeKind? mode = ForwardingModeRegistry.TryGet(s.Mode, out var m) ? m.Kind : null;
        if (mode is null)
        {
            errors.Add(new ConfigError($"{path}:Mode", s.Mode, "is not a mode (nat, fullnat, tunnel, dsr)"));
        }
        var selector = ValidateSelector(path, s.Selector, errors);
        if (s.MssClamp == MssClampMode.Fixed && s.Mss is not (>= 536 and <= 9000))
        {
            errors.Add(new ConfigError($"{path}:Mss", s.Mss is { } mss ? Str(mss) : null, "must be from 536 to 9000 when MssClamp is Fixed"));
        }
        var tunnelSource = SourceOfFamily($"{path}:TunnelSource", s.TunnelSource, s.Vip, ipv6, errors);
        var fullNat = ValidateFullNatSources(path, s, mode, ipv6, errors);
        if (s.ClientAddressOption && (mode != ForwardingModeKind.FullNat || protocol != L4Protocol.Tcp))
        {
            errors.Add(new ConfigError($"{path}:ClientAddressOption", "true", $"needs Mode fullnat and Protocol tcp (this service: {s.Mode}, {s.Protocol}): only full NAT hides the client, and only TCP has options"));
        }
        else if (s.ClientAddressOption && ipv6)
        {
            errors.Add(new ConfigError($"{path}:ClientAddressOption", "true", $"needs an IPv4 VIP (this one: '{s.Vip}'): the option carries an IPv4 address"));
        }
        if (s.Backends.Count == 0)
        {
            errors.Add(new ConfigError($"{path}:Backends", null, "must list at least one backend"));
        }
        var seen = new Dictionary<(UInt128, int), string>();
        var backends = new Dictionary<string, L4BackendSettings>(StringComparer.Ordinal);
        foreach (var (id, b) in s.Backends)
        {
            if (ValidateBackend($"{path}:Backends:{id}", id, b, s, mode, seen, errors, ipv6) is { } backend)
            {
                backends[id] = backend;
            }
        }
        return new L4ServiceSettings
        {
            Name = name,
            Vip = vip,
            Vip6 = vip6,
            Port = (ushort)s.Port,
            Protocol = protocol,
            Mode = mode ?? ForwardingModeKind.Nat,
            Selector = selector,
            NonSynMiss = s.NonSynMiss,
            MssClamp = s.MssClamp ?? (mode == ForwardingModeKind.Tunnel ? MssClampMode.SubtractOverhead : MssClampMode.Off),
            Mss = (ushort)(s.Mss ?? 0),
            TunnelSource = ipv6 ? 0 : (uint)tunnelSource,
            TunnelSource6 = ipv6 ? tunnelSource : UInt128.Zero,
            FullNatSources = ipv6 ? [] : [.. fullNat.Select(a => (uint)a)],
            FullNatSources6 = ipv6 ? fullNat : [],
            ClientAddressOption = s.ClientAddressOption,
            Checksum = s.Checksum,
            Backends = backends,
        };
    }

    /// <summary>VIP (IPv4 or IPv6), port and protocol; the VIP is 0 when it is not a unicast address.</summary>
    private static (uint Vip, UInt128 Vip6, L4Protocol Protocol) ValidateEndpoint(string path, L4ServiceConfig s, Dictionary<(UInt128, int, string), string> endpoints, List<ConfigError> errors)
    {
        var vip6 = UInt128.Zero;
        var vipOk = TryUnicast(s.Vip, out var vip) || TryUnicast6(s.Vip, out vip6, allowLinkLocal: false);
        if (!vipOk)
        {
            errors.Add(new ConfigError($"{path}:Vip", s.Vip, "is not a unicast IPv4 or global IPv6 address"));
        }
        if (s.Port is < 1 or > 65535)
        {
            errors.Add(new ConfigError($"{path}:Port", Str(s.Port), "must be from 1 to 65535"));
        }
        var protocolOk = Enum.TryParse<L4Protocol>(s.Protocol, ignoreCase: true, out var protocol) && s.Protocol.All(char.IsAsciiLetter);
        if (!protocolOk)
        {
            errors.Add(new ConfigError($"{path}:Protocol", s.Protocol, "must be tcp or udp"));
        }
        var protocolName = s.Protocol.ToLowerInvariant();
        var key = vip6 != UInt128.Zero ? vip6 : Mapped(vip);
        if (vipOk && s.Port is >= 1 and <= 65535 && !endpoints.TryAdd((key, s.Port, protocolName), path))
        {
            errors.Add(new ConfigError($"{path}:Vip", s.Vip, $"with port {s.Port}/{protocolName} is already the VIP of {endpoints[(key, s.Port, protocolName)]}"));
        }
        return (vipOk ? vip : 0, vip6, protocol);
    }

    /// <summary>The full-NAT sources, of the VIP's family (IPv4 ones as their numeric value).</summary>
    private static UInt128[] ValidateFullNatSources(string path, L4ServiceConfig s, ForwardingModeKind? mode, bool ipv6, List<ConfigError> errors)
    {
        if (mode == ForwardingModeKind.FullNat && s.FullNatSources.Count == 0)
        {
            errors.Add(new ConfigError($"{path}:FullNatSources", null, "must list at least one address in fullnat mode"));
        }
        var sources = new List<UInt128>();
        for (var i = 0; i < s.FullNatSources.Count; i++)
        {
            var source = SourceOfFamily($"{path}:FullNatSources:{i}", s.FullNatSources[i], s.Vip, ipv6, errors);
            if (source != UInt128.Zero)
            {
                sources.Add(source);
            }
        }
        return [.. sources];
    }

    private static BackendSelectorKind ValidateSelector(string path, string selector, List<ConfigError> errors)
    {
        if (!BackendSelectorFactory.TryParse(selector, out var kind))
        {
            errors.Add(new ConfigError($"{path}:Selector", selector, $"is not a selector ({string.Join(", ", BackendSelectorFactory.KnownNames)})"));
        }
        return kind;
    }

    private static L4BackendSettings? ValidateBackend(
        string path, string id, L4BackendConfig b, L4ServiceConfig s, ForwardingModeKind? mode, Dictionary<(UInt128, int), string> seen, List<ConfigError> errors, bool ipv6)
    {
        if (!TryBackendAddress(path, b.Address, s.Vip, ipv6, errors, out var address, out var address6))
        {
            return null;
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
        var key = ipv6 ? address6 : Mapped(address);
        if (!seen.TryAdd((key, port), id))
        {
            errors.Add(new ConfigError($"{path}:Address", b.Address, $"with port {port} is already backend {seen[(key, port)]}"));
        }
        return new L4BackendSettings { Id = id, Address = address, Address6 = address6, Port = (ushort)port, Weight = b.Weight };
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
    private static bool TryUnicast(string? text, out uint address)
    {
        address = 0;
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork || text!.Count(c => c == '.') != 3)
        {
            return false;
        }
        address = BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes());
        return !Ipv4Address.IsMartianSource(address);
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
