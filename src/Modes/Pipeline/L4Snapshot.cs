using System.Collections.Frozen;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>Everything the data plane reads per packet, built on the control plane and published with one volatile write.</summary>
public sealed class L4Snapshot
{
    private readonly ulong[] _serviceKeys;
    private readonly L4Service?[] _serviceSlots;
    private readonly int _serviceMask;
    private readonly UIntSet _vips;
    private readonly UIntSet _fullNatSources;
    private readonly FrozenDictionary<ServiceKey6, L4Service> _services6;
    private readonly FrozenSet<UInt128> _vips6;
    private readonly FrozenSet<UInt128> _fullNatSources6;

    /// <summary>Validates the services and builds the lookup tables; throws <see cref="ArgumentException"/> listing every problem.</summary>
    public L4Snapshot(IReadOnlyList<L4Service> services, EthernetAddress balancerMac)
    {
        ArgumentNullException.ThrowIfNull(services);
        var errors = new List<string>();
        int size = 16;
        while (size < services.Count * 2)
        {
            size *= 2;
        }

        _serviceKeys = new ulong[size];
        _serviceSlots = new L4Service?[size];
        _serviceMask = size - 1;
        var natSources = new List<uint>();
        var services6 = new Dictionary<ServiceKey6, L4Service>();
        for (int index = 0; index < services.Count; index++)
        {
            L4Service service = services[index];
            string name = L4Service.Describe(service);
            if (service.IsIpv6)
            {
                L4SnapshotValidation.CheckIpv6(service, name, errors);
            }
            else
            {
                L4SnapshotValidation.CheckIpv4(service, name, errors);
            }

            L4SnapshotValidation.CheckCommon(service, name, errors);
            bool added = service.IsIpv6
                ? services6.TryAdd(new ServiceKey6(service.Vip6, service.Port, service.Protocol), service)
                : TryAdd(service);
            if (!added)
            {
                errors.Add($"{name}: defined twice");
                continue;
            }

            service.Index = index;
            service.Kind = service.Mode.Kind;
            service.DecrementsTtl = service.Mode.DecrementsTtl;
            natSources.AddRange(service.FullNatSources);
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid L4 snapshot: " + string.Join("; ", errors), nameof(services));
        }

        Services = [.. services];
        BalancerMac = balancerMac;
        _vips = new UIntSet(services.Where(s => !s.IsIpv6).Select(s => s.Vip));
        _fullNatSources = new UIntSet(natSources);
        _services6 = services6.ToFrozenDictionary();
        _vips6 = services.Where(s => s.IsIpv6).Select(s => s.Vip6).ToFrozenSet();
        _fullNatSources6 = services.Where(s => s.IsIpv6).SelectMany(s => s.FullNatSources6).ToFrozenSet();
        OwnedAddresses6 = [.. _vips6.Concat(_fullNatSources6).Distinct().Order()];
    }

    /// <summary>The services, indexed by <see cref="L4Service.Index"/> (the counters use the same index).</summary>
    public IReadOnlyList<L4Service> Services { get; }

    /// <summary>Source MAC of every frame the engine sends.</summary>
    public EthernetAddress BalancerMac { get; }

    /// <summary>The IPv6 VIPs and full-NAT66 source addresses, distinct and sorted: the addresses the engine answers neighbour solicitations for.</summary>
    public IReadOnlyList<UInt128> OwnedAddresses6 { get; }

    /// <summary>Finds the service for a destination (VIP, port, protocol), or null.</summary>
    public L4Service? FindService(uint vip, ushort port, byte protocol)
    {
        ulong key = Key(vip, port, protocol);
        int slot = (int)Flows.FlowHash.Mix(key) & _serviceMask;
        while (true)
        {
            ulong candidate = _serviceKeys[slot];
            if (candidate == key)
            {
                return _serviceSlots[slot];
            }

            if (candidate == 0)
            {
                return null;
            }

            slot = (slot + 1) & _serviceMask;
        }
    }

    /// <summary>Finds the IPv6 service for a destination (VIP6, port, protocol), or null.</summary>
    public L4Service? FindService6(UInt128 vip, ushort port, byte protocol)
        => _services6.TryGetValue(new ServiceKey6(vip, port, protocol), out L4Service? service) ? service : null;

    /// <summary>Whether the address is one of the VIPs (any port or protocol).</summary>
    public bool IsVip(uint address) => _vips.Contains(address);

    /// <summary>Whether the address is a full-NAT source address of some service.</summary>
    public bool IsFullNatSource(uint address) => _fullNatSources.Contains(address);

    /// <summary>Whether the address is one of the IPv6 VIPs (any port or protocol).</summary>
    public bool IsVip6(UInt128 address) => _vips6.Contains(address);

    /// <summary>Whether the address is a full-NAT66 source address of some service.</summary>
    public bool IsFullNatSource6(UInt128 address) => _fullNatSources6.Contains(address);

    private static ulong Key(uint vip, ushort port, byte protocol) => ((ulong)vip << 24) | ((ulong)port << 8) | protocol;

    private bool TryAdd(L4Service service)
    {
        ulong key = Key(service.Vip, service.Port, service.Protocol);
        int slot = (int)Flows.FlowHash.Mix(key) & _serviceMask;
        while (_serviceKeys[slot] != 0 && _serviceKeys[slot] != key)
        {
            slot = (slot + 1) & _serviceMask;
        }

        if (_serviceKeys[slot] == key)
        {
            return false;
        }

        _serviceKeys[slot] = key;
        _serviceSlots[slot] = service;
        return true;
    }

    private readonly record struct ServiceKey6(UInt128 Vip, ushort Port, byte Protocol);
}
