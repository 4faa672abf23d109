using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Selection;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>One L4 virtual service (VIP, port, protocol) with its mode, backends and selector; immutable once in a snapshot.</summary>
public sealed class L4Service
{
    /// <summary>Virtual IPv4 address, host numeric order (0 for an IPv6 service).</summary>
    public uint Vip { get; init; }

    /// <summary>Virtual IPv6 address, host numeric order; non-zero makes this an IPv6 service (then <see cref="Vip"/> is 0).</summary>
    public UInt128 Vip6 { get; init; }

    /// <summary>Whether this is an IPv6 service.</summary>
    public bool IsIpv6 => Vip6 != UInt128.Zero;

    /// <summary>Virtual port.</summary>
    public required ushort Port { get; init; }

    /// <summary>IP protocol: 6 (TCP) or 17 (UDP).</summary>
    public required byte Protocol { get; init; }

    /// <summary>Forwarding mode (from <see cref="ForwardingModeRegistry"/>).</summary>
    public required IForwardingMode Mode { get; init; }

    /// <summary>All configured backends; indices must match the list the selector was built from, and should stay stable across snapshots.</summary>
    public required L4Backend[] Backends { get; init; }

    /// <summary>Picks a backend index for a new flow's hash (-1 when none can take it).</summary>
    public required IBackendSelector Selector { get; init; }

    /// <summary>Tunnel: outer source address.</summary>
    public uint TunnelSource { get; init; }

    /// <summary>Tunnel of an IPv6 service (IPv6-in-IPv6): outer source address.</summary>
    public UInt128 TunnelSource6 { get; init; }

    /// <summary>Tunnel: how to clamp the MSS of client SYNs.</summary>
    public MssClampMode MssClamp { get; init; }

    /// <summary>Tunnel with <see cref="MssClampMode.Fixed"/>: the MSS ceiling.</summary>
    public ushort MssClampValue { get; init; }

    /// <summary>Full NAT: the balancer's source addresses toward backends (one is picked per flow by hash).</summary>
    public uint[] FullNatSources { get; init; } = [];

    /// <summary>Full NAT66: the balancer's IPv6 source addresses toward backends (one is picked per flow by hash).</summary>
    public UInt128[] FullNatSources6 { get; init; } = [];

    /// <summary>Full NAT, TCP: write the client's address and port into each SYN as a TCP option (<see cref="ClientAddress.ClientAddressOption"/>).</summary>
    public bool ClientAddressOption { get; init; }

    /// <summary>How transport checksums are fixed after a rewrite.</summary>
    public ChecksumMode ChecksumMode { get; init; } = ChecksumMode.Full;

    /// <summary>What to do with a non-SYN TCP segment that matches no flow.</summary>
    public NonSynMissPolicy NonSynMiss { get; init; } = NonSynMissPolicy.ReselectViaHash;

    /// <summary>
    /// With <see cref="NonSynMissPolicy.ReselectViaHash"/>: the selector for a TCP segment without SYN of a flow the table
    /// does not know, when it differs from <see cref="Selector"/>. The control plane builds it over the backends' steady
    /// weights (not down, not in maintenance), so that a restarted balancer puts such flows back where they ran, also while
    /// some backends are still being resolved, slow-starting or waiting for their first health verdict. A segment whose
    /// backend is not resolved yet (no MAC) is dropped without being tracked, and its retransmission finds it later.
    /// Null: <see cref="Selector"/>.
    /// </summary>
    public IBackendSelector? ReselectSelector { get; init; }

    /// <summary>Position of the service in its snapshot (the counter index).</summary>
    public int Index { get; internal set; }

    /// <summary>The mode kind, cached so the hot path does not call through the interface.</summary>
    internal ForwardingModeKind Kind { get; set; }

    /// <summary>Whether the mode routes (NAT modes), cached like <see cref="Kind"/>.</summary>
    internal bool DecrementsTtl { get; set; }

    internal static string Describe(L4Service service)
        => service.IsIpv6
            ? $"[{Ipv6Address.Format(service.Vip6)}]:{service.Port}/{service.Protocol}"
            : $"{Ipv4Address.Format(service.Vip)}:{service.Port}/{service.Protocol}";
}
