namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>A snapshot of one <see cref="PcapPort"/>'s counters.</summary>
/// <param name="FramesReceived">Frames handed to the handler.</param>
/// <param name="FramesSent">Frames libpcap accepted for sending.</param>
/// <param name="SendFailures">Frames libpcap refused (too large, interface down, buffer full).</param>
/// <param name="HandlerErrors">Exceptions thrown by the handler and swallowed by the receive loop.</param>
/// <param name="Kernel">libpcap's own counters from pcap_stats (received, dropped, interface-dropped).</param>
public readonly record struct PcapPortCounters(
    long FramesReceived,
    long FramesSent,
    long SendFailures,
    long HandlerErrors,
    PcapStat Kernel);
