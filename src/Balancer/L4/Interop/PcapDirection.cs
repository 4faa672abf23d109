namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Values of libpcap's <c>pcap_direction_t</c>.</summary>
public enum PcapDirection
{
    /// <summary>Capture packets in both directions (<c>PCAP_D_INOUT</c>).</summary>
    InOut = 0,

    /// <summary>Capture only packets received by the interface (<c>PCAP_D_IN</c>).</summary>
    In = 1,

    /// <summary>Capture only packets sent by the interface (<c>PCAP_D_OUT</c>).</summary>
    Out = 2,
}
