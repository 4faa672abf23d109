namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>How the engine sends frames (config <c>L4:Io:Transmit</c>).</summary>
public enum TransmitKind
{
    /// <summary>An AF_PACKET socket of our own; frames queued into a preallocated batch, one sendmmsg() per flush.</summary>
    Sendmmsg,

    /// <summary>An AF_PACKET PACKET_TX_RING (mmap); frames written into the ring, one send() per flush.</summary>
    Ring,

    /// <summary>libpcap's pcap_sendpacket: one send() per frame (no batching).</summary>
    Pcap,
}
