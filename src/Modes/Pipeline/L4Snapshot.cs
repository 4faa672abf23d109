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
        for (int index = 0; index < services.Count; index++)
        {
            L4Service service = services[index];
            string name = L4Service.Describe(service);
            if (service.Vip == 0 || Ipv4Address.IsMartianSource(service.Vip))
            {
                errors.Add($"{name}: VIP is not a unicast address");
            }

            if (service.Protocol is not (Ipv4Header.ProtocolTcp or Ipv4Header.ProtocolUdp))
            {
                errors.Add($"{name}: protocol must be 6 (tcp) or 17 (udp)");
            }

            if (service.Backends.Length > ushort.MaxValue)
            {
                errors.Add($"{name}: more than {ushort.MaxValue} backends");
            }

            if (service.Mode.Kind == ForwardingModeKind.FullNat && service.FullNatSources.Length == 0)
            {
                errors.Add($"{name}: fullnat needs at least one source address");
            }

            if (service.Mode.Kind == ForwardingModeKind.Tunnel && service.TunnelSource == 0)
            {
                errors.Add($"{name}: tunnel needs an outer source address");
            }

            ulong key = Key(service.Vip, service.Port, service.Protocol);
            int slot = (int)Flows.FlowHash.Mix(key) & _serviceMask;
            while (_serviceKeys[slot] != 0 && _serviceKeys[slot] != key)
            {
                slot = (slot + 1) & _serviceMask;
            }

            if (_serviceKeys[slot] == key)
            {
                errors.Add($"{name}: defined twice");
                continue;
            }

            service.Index = index;
            service.Kind = service.Mode.Kind;
            service.DecrementsTtl = service.Mode.DecrementsTtl;
            _serviceKeys[slot] = key;
            _serviceSlots[slot] = service;
            natSources.AddRange(service.FullNatSources);
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid L4 snapshot: " + string.Join("; ", errors), nameof(services));
        }

        Services = [.. services];
        BalancerMac = balancerMac;
        var vips = new List<uint>();
        foreach (L4Service service in services)
        {
            vips.Add(service.Vip);
        }

        _vips = new UIntSet(vips);
        _fullNatSources = new UIntSet(natSources);
    }

    /// <summary>The services, indexed by <see cref="L4Service.Index"/> (the counters use the same index).</summary>
    public IReadOnlyList<L4Service> Services { get; }

    /// <summary>Source MAC of every frame the engine sends.</summary>
    public EthernetAddress BalancerMac { get; }

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

    /// <summary>Whether the address is one of the VIPs (any port or protocol).</summary>
    public bool IsVip(uint address) => _vips.Contains(address);

    /// <summary>Whether the address is a full-NAT source address of some service.</summary>
    public bool IsFullNatSource(uint address) => _fullNatSources.Contains(address);

    private static ulong Key(uint vip, ushort port, byte protocol) => ((ulong)vip << 24) | ((ulong)port << 8) | protocol;
}
