using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>Where the engine's frames come from and go to: libpcap capture queues and batched transmitters on a real interface, or an in-memory device in tests.</summary>
public interface IPacketDevice : IDisposable
{
    /// <summary>The interface's MAC address.</summary>
    EthernetAddress Mac { get; }

    /// <summary>Receive queues (one worker thread each).</summary>
    int Queues { get; }

    /// <summary>Whether queue <paramref name="queue"/> receives only new-flow TCP SYNs (its worker does not shed them: the queue itself keeps them away from tracked flows).</summary>
    bool IsSynQueue(int queue);

    /// <summary>The transmitter owned by queue <paramref name="queue"/>'s receive thread.</summary>
    ITransmitter GetTransmitter(int queue);

    /// <summary>Starts delivering each queue's frames, in batches, to its handler (one handler per queue, on the queue's own thread).</summary>
    void Start(IReadOnlyList<IFrameHandler> handlers);

    /// <summary>Sends one control-plane frame (ARP) from any thread; a failure is counted, never thrown.</summary>
    bool SendControl(ReadOnlySpan<byte> frame);

    /// <summary>Replaces the kernel capture filter on every queue.</summary>
    void SetFilter(string filter);

    /// <summary>Re-reads the interface MTU for the transmitters' checks.</summary>
    void RefreshMtu();

    /// <summary>Frames received, control frames sent and failed, and the kernel's capture counters, summed over the queues.</summary>
    PcapPortCounters ReadCounters();
}
