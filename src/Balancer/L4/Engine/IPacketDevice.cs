using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>Where the engine's frames come from and go to: a libpcap port on a real interface, or an in-memory device in tests.</summary>
public interface IPacketDevice : IDisposable
{
    /// <summary>The interface's MAC address.</summary>
    EthernetAddress Mac { get; }

    /// <summary>Starts delivering received frames to <paramref name="handler"/> (on the device's own thread).</summary>
    void Start(IFrameHandler handler);

    /// <summary>Sends one frame; a failure is counted, never thrown.</summary>
    bool Send(ReadOnlySpan<byte> frame);

    /// <summary>Replaces the kernel capture filter.</summary>
    void SetFilter(string filter);

    /// <summary>Frames received/sent, send failures and the kernel's capture counters.</summary>
    PcapPortCounters ReadCounters();
}
