namespace LoadBalancer.Modes.Packets;

/// <summary>Why the data plane dropped a packet; every drop carries exactly one reason and is counted by it.</summary>
public enum DropReason : byte
{
    /// <summary>Not dropped.</summary>
    None = 0,

    /// <summary>A header or the payload a length field promises is cut short by the captured length.</summary>
    Truncated,

    /// <summary>The Ethernet type is neither IPv4, IPv6 nor ARP (after at most one 802.1Q tag), or an IPv4 header's version is not 4.</summary>
    NotIpv4,

    /// <summary>The IPv4 header length (IHL) is below 5 words.</summary>
    BadIhl,

    /// <summary>The IPv4 total length is smaller than its own header, an IPv6 payload length is 0 (jumbograms are not served), or a UDP/TCP length is inconsistent.</summary>
    BadTotalLength,

    /// <summary>An IPv4 fragment (MF set or offset non-zero) or an IPv6 one (a fragment header that is not atomic); flows cannot be keyed without the L4 header.</summary>
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

    /// <summary>The IP protocol (IPv6: the last next header) is not TCP, UDP or ICMP/ICMPv6, or the ICMP message is not handled.</summary>
    UnsupportedProtocol,

    /// <summary>The source address is 0/8, 127/8, multicast, class E or broadcast; IPv6: ::, ::1, ff00::/8 or IPv4-mapped.</summary>
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

    /// <summary>An IPv6 packet to forward arrived with hop limit 0 or 1.</summary>
    HopLimitExpired,

    /// <summary>The Ethernet type is IPv6 but the header's version is not 6.</summary>
    Ipv6BadVersion,

    /// <summary>More IPv6 extension headers than <see cref="Ipv6Header.MaxExtensionHeaders"/>.</summary>
    Ipv6ExtensionChainTooLong,

    /// <summary>An IPv6 extension header is malformed: hop-by-hop options not right after the fixed header, or options that do not fill their header exactly.</summary>
    Ipv6MalformedExtension,

    /// <summary>A hop-by-hop or destination option whose type says "discard the packet if not recognised" (none is recognised here).</summary>
    Ipv6UnrecognizedOption,

    /// <summary>A routing header with segments left: the packet is not at its final destination and source routing is not served.</summary>
    Ipv6RoutingSegmentsLeft,

    /// <summary>A first IPv6 fragment that does not hold the whole header chain and the TCP/UDP/ICMPv6 header (RFC 7112).</summary>
    Ipv6FragmentWithoutL4Header,

    /// <summary>A UDP datagram over IPv6 with checksum 0, which RFC 8200 section 8.1 requires receivers to discard.</summary>
    Ipv6UdpZeroChecksum,

    /// <summary>An IPv6 packet for the tunnel mode too long for the outer header's 16-bit payload length (only a GRO-merged capture can be).</summary>
    Ipv6TunnelTooLong,

    /// <summary>A neighbour discovery message (NS or NA) whose IPv6 hop limit is not 255, so it may come from off-link (RFC 4861 section 7.1).</summary>
    NdpBadHopLimit,

    /// <summary>A neighbour discovery message shorter than its 24 fixed bytes, with a non-zero code, a multicast target, or a multicast source.</summary>
    NdpMalformed,

    /// <summary>A neighbour discovery message whose ICMPv6 checksum does not verify.</summary>
    NdpBadChecksum,

    /// <summary>A neighbour discovery option of length 0 or running past the message, or a link-layer option that is not 8 bytes.</summary>
    NdpBadOption,

    /// <summary>A neighbour solicitation from the unspecified address (duplicate address detection) that carries a source link-layer option or is not sent to a solicited-node address.</summary>
    NdpUnspecifiedSourceWithLinkLayerOption,

    /// <summary>A neighbour solicitation whose target is not an address this balancer owns (only VIPs and full-NAT sources are answered).</summary>
    NdpTargetNotOwned,
}
