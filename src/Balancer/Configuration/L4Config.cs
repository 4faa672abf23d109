using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Pipeline;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>The <c>L4</c> section: the raw-packet engine's interface, connection table and services.</summary>
public sealed record L4Config
{
    /// <summary>The data interface the engine captures on and sends from (e.g. eth0); required when there are services.</summary>
    public string? Interface { get; init; }

    /// <summary>The balancer's own IPv4 address on that interface, used as the sender of ARP requests; default: the interface's first address.</summary>
    public string? SourceAddress { get; init; }

    /// <summary>The balancer's own IPv6 address on that interface, the source of its neighbour solicitations for IPv6 backends; default: the interface's first global IPv6 address, else its link-local one.</summary>
    public string? SourceAddress6 { get; init; }

    /// <summary>Next hop (router) for backends that are not on the interface's subnet (tunnel mode to another network).</summary>
    public string? Gateway { get; init; }

    /// <summary>IPv6 next hop (router; link-local or global) for IPv6 backends outside the interface's IPv6 prefixes, resolved by neighbour solicitation.</summary>
    public string? Gateway6 { get; init; }

    /// <summary>How long a backend removed by a reload keeps its tracked flows (with no new ones) before it is forgotten.</summary>
    public TimeSpan RetiredBackendGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The connection table shared by every service.</summary>
    public L4ConnectionTableConfig ConnectionTable { get; set; } = new();

    /// <summary>Receive workers (capture handles joined with PACKET_FANOUT, one thread each); null: the number of cores, at most 16.</summary>
    public int? Workers { get; init; }

    /// <summary>How frames are sent and batched.</summary>
    public L4IoConfig Io { get; set; } = new();

    /// <summary>VIP announcement to a routing daemon (routes in a kernel table of the balancer's own).</summary>
    public L4AnnounceConfig Announce { get; set; } = new();

    /// <summary>The worker count in force: <see cref="Workers"/> or the number of cores, at most <see cref="MaxWorkers"/>.</summary>
    public int EffectiveWorkers => Workers ?? Math.Clamp(Environment.ProcessorCount, 1, MaxWorkers);

    /// <summary>Most receive workers.</summary>
    public const int MaxWorkers = 16;

    /// <summary>Services keyed by name (the name is also the health/admin pool name).</summary>
    public IReadOnlyDictionary<string, L4ServiceConfig> Services { get; set; } = new Dictionary<string, L4ServiceConfig>();
}

/// <summary>Connection-table limits and timeouts.</summary>
public sealed record L4ConnectionTableConfig
{
    /// <summary>Most flows tracked at once.</summary>
    public int Capacity { get; set; } = 65_536;

    /// <summary>What a new flow does when the table is full: EvictOldestIdle or RefuseNew.</summary>
    public TableFullBehavior WhenFull { get; set; } = TableFullBehavior.EvictOldestIdle;

    /// <summary>A TCP flow that saw only a SYN is forgotten after this (short: SYN floods fill the table with these).</summary>
    public TimeSpan SynTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An established TCP flow idle this long is forgotten.</summary>
    public TimeSpan EstablishedTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A TCP flow after FIN or RST is forgotten after this.</summary>
    public TimeSpan ClosingTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A UDP flow idle this long is forgotten.</summary>
    public TimeSpan UdpTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The data plane's options.</summary>
    public ConnectionTableOptions ToOptions() => new()
    {
        Capacity = Capacity,
        WhenFull = WhenFull,
        SynSeenTimeout = SynTimeout,
        EstablishedTimeout = EstablishedTimeout,
        ClosingTimeout = ClosingTimeout,
        UdpTimeout = UdpTimeout,
    };
}

/// <summary>One L4 service: a VIP, port and protocol spread over backends in one forwarding mode.</summary>
public sealed record L4ServiceConfig
{
    /// <summary>The virtual IPv4 address the engine owns (answers ARP for).</summary>
    public string Vip { get; set; } = "";

    /// <summary>The service port.</summary>
    public int Port { get; init; }

    /// <summary>tcp or udp.</summary>
    public string Protocol { get; set; } = "tcp";

    /// <summary>Forwarding mode: nat, fullnat, tunnel (ipip) or dsr.</summary>
    public string Mode { get; set; } = "nat";

    /// <summary>Backend selector for new flows: maglev, wrr or leastconn (fewest active flows per unit of weight, from the connection table's per-backend counts).</summary>
    public string Selector { get; set; } = "maglev";

    /// <summary>What a TCP packet that is not a SYN and has no tracked flow does: ReselectViaHash (survives a balancer restart with Maglev) or Drop.</summary>
    public NonSynMissPolicy NonSynMiss { get; set; } = NonSynMissPolicy.ReselectViaHash;

    /// <summary>TCP MSS clamping on SYNs: Off, SubtractOverhead (by the 20 bytes of the tunnel header) or Fixed (to <see cref="Mss"/>); default SubtractOverhead in tunnel mode, Off otherwise.</summary>
    public MssClampMode? MssClamp { get; init; }

    /// <summary>The MSS for Fixed clamping.</summary>
    public int? Mss { get; init; }

    /// <summary>Outer source address of tunnel packets; default: the engine's source address.</summary>
    public string? TunnelSource { get; init; }

    /// <summary>Full NAT: the balancer-side source addresses flows are rewritten to (not owned by the kernel; the engine answers ARP for them).</summary>
    public IReadOnlyList<string> FullNatSources { get; set; } = [];

    /// <summary>Full NAT over TCP only: write the client's IPv4 address and port into each client SYN as a TCP option (kind 254, ExID 0x4C42), so a backend that reads it (the L7 front with <c>ClientAddressFrom: tcp-option</c>) sees the client instead of the full-NAT source.</summary>
    public bool ClientAddressOption { get; init; }

    /// <summary>L4 checksum handling after a rewrite: Full (recompute; safe with partial checksums from veth/NIC offloads) or Incremental (RFC 1624).</summary>
    public ChecksumMode Checksum { get; set; } = ChecksumMode.Full;

    /// <summary>Whether this service's VIP is announced; null follows <c>L4:Announce:Enabled</c>.</summary>
    public bool? Announce { get; init; }

    /// <summary>Backends keyed by id.</summary>
    public IReadOnlyDictionary<string, L4BackendConfig> Backends { get; set; } = new Dictionary<string, L4BackendConfig>();
}

/// <summary>One L4 backend.</summary>
public sealed record L4BackendConfig
{
    /// <summary>The backend's IPv4 address (on the interface's subnet, or behind <see cref="L4Config.Gateway"/> in tunnel mode).</summary>
    public string Address { get; set; } = "";

    /// <summary>Backend port; default the service port (DSR and tunnel require the service port).</summary>
    public int? Port { get; init; }

    /// <summary>Relative weight (0 to 1000; 0 takes no new flows).</summary>
    public int Weight { get; set; } = 1;
}
