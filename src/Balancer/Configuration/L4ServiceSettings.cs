using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Selection;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>One L4 service as validation parsed it: addresses as numbers (host order), names as enums, defaults resolved.</summary>
public sealed record L4ServiceSettings
{
    /// <summary>The service name (also the health/admin pool name).</summary>
    public required string Name { get; init; }

    /// <summary>The virtual IPv4 address.</summary>
    public required uint Vip { get; init; }

    /// <summary>The virtual IPv6 address (host numeric order); non-zero makes this an IPv6 service, and then <see cref="Vip"/> is 0.</summary>
    public UInt128 Vip6 { get; init; }

    /// <summary>Whether the service's VIP, backends and sources are IPv6.</summary>
    public bool IsIpv6 => Vip6 != UInt128.Zero;

    /// <summary>Outer IPv6 source of IPv6-in-IPv6 tunnel packets; 0: the engine's IPv6 source address.</summary>
    public UInt128 TunnelSource6 { get; init; }

    /// <summary>Full NAT66 source addresses.</summary>
    public IReadOnlyList<UInt128> FullNatSources6 { get; init; } = [];

    /// <summary>The service port.</summary>
    public required ushort Port { get; init; }

    /// <summary>TCP or UDP.</summary>
    public L4Protocol Protocol { get; init; } = L4Protocol.Tcp;

    /// <summary>The forwarding mode.</summary>
    public ForwardingModeKind Mode { get; init; } = ForwardingModeKind.Nat;

    /// <summary>The backend selector for new flows.</summary>
    public BackendSelectorKind Selector { get; init; } = BackendSelectorKind.Maglev;

    /// <summary>What a non-SYN TCP packet without a tracked flow does.</summary>
    public NonSynMissPolicy NonSynMiss { get; init; } = NonSynMissPolicy.ReselectViaHash;

    /// <summary>MSS clamping on SYNs, the mode's default filled in.</summary>
    public MssClampMode MssClamp { get; init; } = MssClampMode.Off;

    /// <summary>The MSS for Fixed clamping (0 otherwise).</summary>
    public ushort Mss { get; init; }

    /// <summary>Outer source address of tunnel packets; 0: the engine's source address.</summary>
    public uint TunnelSource { get; init; }

    /// <summary>Full NAT source addresses.</summary>
    public IReadOnlyList<uint> FullNatSources { get; init; } = [];

    /// <summary>Full NAT over TCP: the client's address and port go to the backend in a TCP option of each SYN.</summary>
    public bool ClientAddressOption { get; init; }

    /// <summary>L4 checksum handling after a rewrite.</summary>
    public ChecksumMode Checksum { get; init; } = ChecksumMode.Full;

    /// <summary>Whether the VIP is announced for this service: its own <c>Announce</c>, else <c>L4:Announce:Enabled</c>.</summary>
    public bool Announce { get; init; }

    /// <summary>Backends keyed by id, in config order.</summary>
    public IReadOnlyDictionary<string, L4BackendSettings> Backends { get; init; } = new Dictionary<string, L4BackendSettings>();
}
