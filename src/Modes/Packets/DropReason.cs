namespace LoadBalancer.Modes.Packets;

/// <summary>Why the data plane dropped a packet; every drop carries exactly one reason and is counted by it.</summary>
public enum DropReason : byte
{
    /// <summary>Not dropped.</summary>
    None = 0,

    /// <summary>A header or the payload a length field promises is cut short by the captured length.</summary>
    Truncated,

    /// <summary>The Ethernet type is neither IPv4 nor ARP (after at most one 802.1Q tag).</summary>
    NotIpv4,

    /// <summary>The IPv4 header length (IHL) is below 5 words.</summary>
    BadIhl,

    /// <summary>The IPv4 total length is smaller than its own header, or a UDP/TCP length is inconsistent.</summary>
    BadTotalLength,

    /// <summary>An IPv4 fragment (MF set or offset non-zero); flows cannot be keyed without the L4 header.</summary>
    Fragment,

    /// <summary>A routed (NAT) packet arrived with TTL 0 or 1.</summary>
    TtlExpired,

    /// <summary>Neither addressed to a VIP service nor a reply of a tracked NAT flow.</summary>
    NotForVip,

    /// <summary>Addressed to a VIP, but no service listens on that port and protocol.</summary>
    NoService,

    /// <summary>The selector found no backend (none healthy or all weight 0), or the flow's backend was removed.</summary>
    NoBackend,

    /// <summary>The connection table (or the full-NAT port pool) refused a new flow.</summary>
    TableFull,

    /// <summary>A TCP segment without SYN matched no flow and the service drops such segments.</summary>
    NoFlow,

    /// <summary>The IPv4 header checksum is wrong.</summary>
    BadChecksum,

    /// <summary>The IP protocol is not TCP, UDP or ICMP, or the ICMP message is not handled.</summary>
    UnsupportedProtocol,

    /// <summary>The source address is 0/8, 127/8, multicast, class E or broadcast.</summary>
    MartianSource,

    /// <summary>The source address is one of our own VIPs (spoofed).</summary>
    SourceIsVip,

    /// <summary>The tunnel mode needs 20 bytes of headroom in front of the frame and the buffer has less.</summary>
    NoHeadroom,

    /// <summary>NAT: a live flow already owns the reply 5-tuple this flow would need, so replies would be ambiguous.</summary>
    FlowCollision,

    /// <summary>No snapshot has been published yet.</summary>
    NoSnapshot,

    /// <summary>A new TCP flow's SYN beyond the per-batch budget while the engine is saturated: tracked flows keep priority.</summary>
    SynShed,
}
