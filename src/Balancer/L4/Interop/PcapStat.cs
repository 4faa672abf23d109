using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>libpcap's <c>struct pcap_stat</c> on Linux: three <c>u_int</c> (32-bit) counters, 12 bytes.</summary>
/// <remarks>SharpPcap reads this struct with native-long fields on x64 Linux and reports 0 drops; this layout is the C one.</remarks>
[StructLayout(LayoutKind.Sequential)]
public struct PcapStat
{
    /// <summary>Packets received by the capture socket (after the BPF filter).</summary>
    public uint Received;

    /// <summary>Packets dropped because the capture buffer was full.</summary>
    public uint Dropped;

    /// <summary>Packets dropped by the network interface or its driver.</summary>
    public uint InterfaceDropped;
}
