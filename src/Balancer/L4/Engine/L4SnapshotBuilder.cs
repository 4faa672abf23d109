using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Control;
using LoadBalancer.Balancer.L4.Arp;
using LoadBalancer.Health;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Selection;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>Turns the L4 config, the health/admin snapshot and resolved neighbours into the data plane's immutable snapshot.</summary>
/// <remarks>
/// Each service keeps its backends in stable slots (first-seen order) so that counters and tracked flows keep their
/// index across rebuilds. A backend removed by a reload is retired: weight 0 (no new flows) while its tracked flows
/// finish, for <see cref="L4Settings.RetiredBackendGrace"/>; after that its slot is emptied and its flows are dropped.
/// A backend in maintenance is left out at once (its flows are dropped); drained or unhealthy ones keep weight 0.
/// </remarks>
public sealed partial class L4SnapshotBuilder
{
    private static readonly L4Backend EmptyIpv6Slot = new(0, 0, default, 0, 0, 0, new UInt128(0x0100_0000_0000_0000, 0));
    private readonly InterfaceInfo _nic;
    private readonly NeighbourTable _neighbours;
    private readonly BackendControl _control;
    private readonly TimeProvider _time;
    private readonly ConnectionTable _table;
    private readonly List<ushort> _releasedCounters = [];
    private readonly List<ushort> _reusableCounters = [];
    private int _nextCounter = 1;
    private readonly Dictionary<string, List<Slot>> _slots = new(StringComparer.Ordinal);
    private L4Settings _config = L4Settings.Empty;
    private EthernetAddress _ownMac;
    private volatile string[] _serviceNames = [];

    internal L4SnapshotBuilder(InterfaceInfo nic, NeighbourTable neighbours, BackendControl control, TimeProvider time, ConnectionTable table)
    {
        _table = table;
        _nic = nic;
        _neighbours = neighbours;
        _control = control;
        _time = time;
    }

    /// <summary>The balancer's IPv4 address on the data interface (ARP sender, default tunnel source).</summary>
    public uint SourceAddress { get; private set; }

    /// <summary>The balancer's IPv6 address on the data interface (neighbour solicitation source, default IPv6 tunnel source); 0 when it has none.</summary>
    public UInt128 SourceAddress6 { get; private set; }

    /// <summary>Service names by the index the counters use.</summary>
    public IReadOnlyList<string> ServiceNames => _serviceNames;

    /// <summary>Backend ids of a service by the index the counters use ("" for an emptied slot).</summary>
    public IReadOnlyList<string> BackendNames(string service)
    {
        lock (_slots)
        {
            return _slots.TryGetValue(service, out var slots) ? slots.Select(s => s.Dead ? "" : s.Id).ToArray() : [];
        }
    }

    /// <summary>Active (not closing) tracked flows per backend id of a service, live backends only (a retired one is counted until its slot is emptied).</summary>
    public IReadOnlyList<(string Backend, int Flows)> BackendFlows(string service)
    {
        lock (_slots)
        {
            return _slots.TryGetValue(service, out var slots)
                ? slots.Where(s => !s.Dead).Select(s => (s.Id, _table.ActiveFlows(s.Counter))).ToArray()
                : [];
        }
    }

    /// <summary>The MAC of the next hop toward a backend (itself on the interface's subnet, else the gateway), when resolved.</summary>
    public bool TryNextHopMac(uint backend, out EthernetAddress mac)
    {
        var gateway = _config.Gateway;
        return _neighbours.TryGet(_nic.IsOnLink(backend) || gateway == 0 ? backend : gateway, out mac);
    }

    /// <summary>The MAC of the next hop toward an IPv6 backend (itself when on-link, else <see cref="L4Settings.Gateway6"/>), when resolved.</summary>
    public bool TryNextHopMac(UInt128 backend, out EthernetAddress mac) => _neighbours.TryGet(NextHop6(backend), out mac);

    /// <summary>The neighbour an IPv6 backend's frames go to: the backend when it is on the link (or no Gateway6 is set), else Gateway6.</summary>
    private UInt128 NextHop6(UInt128 backend)
    {
        var gateway = _config.Gateway6;
        return gateway == UInt128.Zero || _nic.IsOnLink(backend) ? backend : gateway;
    }

    internal void SetOwnMac(EthernetAddress mac) => _ownMac = mac;

    /// <summary>Takes a new config: new backends get new slots, removed ones are retired.</summary>
    public void Configure(L4Settings config)
    {
        lock (_slots)
        {
            _config = config;
            // Counters released by an earlier call are free once their flows are gone; a snapshot built before that call
            // can no longer insert flows against them.
            _reusableCounters.AddRange(_releasedCounters);
            _releasedCounters.Clear();
            SourceAddress = config.SourceAddress != 0 ? config.SourceAddress
                : _nic.Addresses.Count > 0 ? _nic.Addresses[0].Address : 0;
            SourceAddress6 = config.SourceAddress6 != UInt128.Zero ? config.SourceAddress6
                : _nic.Addresses6.Count > 0 ? _nic.Addresses6[0] : UInt128.Zero;
            var now = _time.GetUtcNow();
            foreach (var (name, service) in config.Services)
            {
                if (!_slots.TryGetValue(name, out var slots))
                {
                    _slots[name] = slots = [];
                }
                var present = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (id, b) in service.Backends)
                {
                    var key = Key(b);
                    present.Add(key);
                    var slot = slots.FirstOrDefault(x => x.Key == key && !x.Dead);
                    if (slot is null)
                    {
                        slots.Add(new Slot { Key = key, Id = id, Config = b, Counter = AllocateCounter() });
                    }
                    else
                    {
                        slot.Id = id;
                        slot.Config = b;
                        slot.RetiredAt = null;
                    }
                }
                foreach (var slot in slots.Where(x => !x.Dead && x.RetiredAt is null && !present.Contains(x.Key)))
                {
                    slot.RetiredAt = now;
                }
            }
            foreach (var gone in _slots.Keys.Where(k => !config.Services.ContainsKey(k)).ToList())
            {
                _releasedCounters.AddRange(_slots[gone].Where(x => !x.Dead).Select(x => x.Counter));
                _slots.Remove(gone);
            }
        }
    }

    /// <summary>Empties the slots of backends retired longer than the grace period; true when any was.</summary>
    public bool ExpireRetired()
    {
        var any = false;
        lock (_slots)
        {
            var now = _time.GetUtcNow();
            foreach (var slot in _slots.Values.SelectMany(s => s))
            {
                if (!slot.Dead && slot.RetiredAt is { } at && now - at >= _config.RetiredBackendGrace)
                {
                    slot.Dead = true;
                    _releasedCounters.Add(slot.Counter);
                    any = true;
                }
            }
        }
        return any;
    }

    /// <summary>Builds the snapshot; <paramref name="owned"/> gets the IPv4 addresses the engine answers ARP for (the snapshot's <see cref="L4Snapshot.OwnedAddresses6"/> those it answers solicitations for), <paramref name="wanted"/> the neighbours to resolve (IPv4 ones by <see cref="NeighbourTable.Key(uint)"/>).</summary>
    public L4Snapshot Build(out uint[] owned, out List<UInt128> wanted)
    {
        lock (_slots)
        {
            var services = new List<L4Service>();
            var names = new List<string>();
            var ownedSet = new HashSet<uint>();
            wanted = [];
            var gateway = _config.Gateway;
            foreach (var (name, s) in _config.Services)
            {
                var slots = _slots[name];
                var backends = new L4Backend[slots.Count];
                var weights = new BackendWeight[slots.Count];
                var reselectWeights = new BackendWeight[slots.Count];
                var counters = new int[slots.Count];
                for (var i = 0; i < slots.Count; i++)
                {
                    var slot = slots[i];
                    counters[i] = slot.Dead ? 0 : slot.Counter;
                    if (slot.Dead)
                    {
                        // Address 0 matches no tracked flow: flows still pointing here are dropped as NoBackend.
                        weights[i] = reselectWeights[i] = new BackendWeight($"dead#{i}", 0);
                        continue;
                    }
                    (backends[i], weights[i], reselectWeights[i]) = BuildBackend(name, slot, gateway, wanted);
                }
                if (s.IsIpv6)
                {
                    // An empty slot (maintenance, dead) of an IPv6 service must still read as IPv6 to the snapshot: an
                    // address of the discard-only prefix 100::/64 (RFC 6666) with port 0 matches no tracked flow and takes none.
                    for (var i = 0; i < backends.Length; i++)
                    {
                        backends[i] = backends[i].IsIpv6 ? backends[i] : EmptyIpv6Slot;
                    }
                }
                var fullNat = s.FullNatSources.ToArray();
                services.Add(new L4Service
                {
                    Vip = s.Vip,
                    Vip6 = s.Vip6,
                    Port = s.Port,
                    Protocol = (byte)s.Protocol,
                    Mode = ForwardingModeRegistry.Get(s.Mode),
                    Backends = backends,
                    Selector = BackendSelectorFactory.Create(s.Selector, weights, _table.FlowCounters, counters),
                    ReselectSelector = s.NonSynMiss == NonSynMissPolicy.ReselectViaHash && !reselectWeights.SequenceEqual(weights)
                        ? BackendSelectorFactory.Create(s.Selector, reselectWeights, _table.FlowCounters, counters) : null,
                    TunnelSource = s.IsIpv6 ? 0 : s.TunnelSource != 0 ? s.TunnelSource : SourceAddress,
                    TunnelSource6 = !s.IsIpv6 ? UInt128.Zero : s.TunnelSource6 != UInt128.Zero ? s.TunnelSource6 : SourceAddress6,
                    FullNatSources6 = [.. s.FullNatSources6],
                    MssClamp = s.MssClamp,
                    MssClampValue = s.Mss,
                    FullNatSources = fullNat,
                    ChecksumMode = s.Checksum,
                    NonSynMiss = s.NonSynMiss,
                    ClientAddressOption = s.ClientAddressOption,
                });
                names.Add(name);
                if (!s.IsIpv6)
                {
                    ownedSet.Add(s.Vip);
                    ownedSet.UnionWith(fullNat);
                }
            }
            _serviceNames = [.. names];
            owned = [.. ownedSet];
            return new L4Snapshot(services, _ownMac);
        }
    }

    /// <summary>
    /// One live backend slot as the data plane sees it: its next hop's MAC, and the weight health/admin state and
    /// resolution give it (maintenance: left out); and its weight for reselecting flows the table does not know: its
    /// configured (or admin) weight unless it is down or in maintenance, whether or not it is resolved, slow-starting,
    /// drained or still without a health verdict after a start.
    /// </summary>
    private (L4Backend Backend, BackendWeight Weight, BackendWeight Reselect) BuildBackend(string service, Slot slot, uint gateway, List<UInt128> wanted)
    {
        var address = slot.Config!.Address;
        var address6 = slot.Config.Address6;
        // Backends past the interface's subnets (IPv4) or prefixes (IPv6) go through L4:Gateway or L4:Gateway6.
        var nextHop = address6 != UInt128.Zero ? NextHop6(address6)
            : NeighbourTable.Key(_nic.IsOnLink(address) || gateway == 0 ? address : gateway);
        wanted.Add(nextHop);
        var resolved = _neighbours.TryGet(nextHop, out var mac);
        var weight = 0;
        var reselect = 0;
        var include = true;
        if (slot.RetiredAt is null)
        {
            if (_control.TryGetView(service, slot.Id, out var view))
            {
                include = view.AdminState != AdminState.Maint;
                weight = view.AcceptsNewFlows ? view.EffectiveWeight : 0;
                // Steady-state weight, slow start and drain aside: where a flow the table does not know most likely ran.
                reselect = include && view.Health != HealthState.Unhealthy ? view.AdminWeight ?? view.ConfiguredWeight : 0;
            }
            else
            {
                weight = reselect = slot.Config.Weight;
            }
        }
        if (!resolved)
        {
            // Not reachable yet (its MAC is being resolved after a start): no new flows; a known flow of it waits (dropped).
            weight = 0;
        }
        var backend = include ? new L4Backend(address, slot.Config.Port, mac, 0, weight, slot.Counter, address6) : default;
        return (backend, new BackendWeight(slot.Key, include ? weight : 0), new BackendWeight(slot.Key, include ? reselect : 0));
    }

    /// <summary>The kernel BPF filter: ARP, traffic to owned addresses, and (for NAT) replies from backends, retired ones included.</summary>
    public string BuildFilter()
    {
        var dst = new SortedSet<string>(StringComparer.Ordinal);
        var src = new SortedSet<string>(StringComparer.Ordinal);
        var dst6 = new SortedSet<string>(StringComparer.Ordinal);
        var src6 = new SortedSet<string>(StringComparer.Ordinal);
        lock (_slots)
        {
            foreach (var (name, s) in _config.Services)
            {
                if (s.IsIpv6)
                {
                    AddFilterAddresses6(name, s, dst6, src6);
                    continue;
                }
                dst.Add(Ipv4Address.Format(s.Vip));
                foreach (var f in s.FullNatSources)
                {
                    dst.Add(Ipv4Address.Format(f));
                }
                if (s.Mode == ForwardingModeKind.Nat)
                {
                    foreach (var slot in _slots[name].Where(x => !x.Dead))
                    {
                        src.Add(Ipv4Address.Format(slot.Config!.Address));
                    }
                }
            }
        }
        var parts = new List<string> { "arp" };
        if (dst.Count > 0)
        {
            parts.Add("(ip and (" + string.Join(" or ", dst.Select(a => $"dst host {a}")) + "))");
        }
        if (src.Count > 0)
        {
            // Replies to the balancer's own addresses (health checks, admin) belong to its kernel, not to a NAT flow.
            var own = _nic.Addresses.Select(a => $"dst host {Ipv4Address.Format(a.Address)}").ToList();
            var notOwn = own.Count == 0 ? "" : " and not (" + string.Join(" or ", own) + ")";
            parts.Add("(ip and (" + string.Join(" or ", src.Select(a => $"src host {a}")) + ")" + notOwn + ")");
        }
        parts.AddRange(FilterParts6(dst6, src6));
        return string.Join(" or ", parts);
    }

    /// <summary>A counter slot for a new backend: one whose backend is gone and whose flows have all ended, else a fresh one (0, uncounted, when all are taken).</summary>
    private ushort AllocateCounter()
    {
        var free = _reusableCounters.FindIndex(c => _table.ActiveFlows(c) == 0);
        if (free >= 0)
        {
            var counter = _reusableCounters[free];
            _reusableCounters.RemoveAt(free);
            return counter;
        }
        return _nextCounter < ConnectionTable.FlowCounterSlots ? (ushort)_nextCounter++ : (ushort)0;
    }

    private static string Key(L4BackendSettings b) => b.Address6 != UInt128.Zero ? $"[{b.AddressText}]:{b.Port}" : $"{b.AddressText}:{b.Port}";

    private sealed class Slot
    {
        public required string Key { get; init; }

        public required string Id { get; set; }

        public L4BackendSettings? Config { get; set; }

        public DateTimeOffset? RetiredAt { get; set; }

        /// <summary>The backend's slot in the connection table's flow counters.</summary>
        public ushort Counter { get; init; }

        public bool Dead { get; set; }
    }
}
