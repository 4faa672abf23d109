namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Sends the frames of one packet thread in batches: <see cref="Enqueue"/> copies a frame into preallocated memory, <see cref="Flush"/> hands the batch to the kernel.</summary>
/// <remarks>Owned by one thread; no allocation, no exception and no unbounded wait per frame. Every frame is either sent or counted in <see cref="Counters"/> with a reason.</remarks>
public interface ITransmitter : IDisposable
{
    /// <summary>Which kind this is.</summary>
    TransmitKind Kind { get; }

    /// <summary>Sent frames and drops by reason.</summary>
    TransmitCounters Counters { get; }

    /// <summary>Queues a copy of the frame (flushing first when the batch is full); false when it was dropped and counted.</summary>
    bool Enqueue(ReadOnlySpan<byte> frame);

    /// <summary>Sends everything queued with one syscall (more only when the kernel refuses a frame in the middle).</summary>
    void Flush();

    /// <summary>Re-reads the interface MTU (called by the control plane, once a second).</summary>
    void RefreshMtu();
}
