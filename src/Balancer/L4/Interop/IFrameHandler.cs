namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Receives every frame a <see cref="PcapPort"/> captures, on the port's receive thread.</summary>
public interface IFrameHandler
{
    /// <summary>Handles one captured frame; the span points into libpcap's buffer and is valid only during the call.</summary>
    void OnFrame(ReadOnlySpan<byte> frame);

    /// <summary>Called before the frames of one receive batch (the handler reads its clock once here).</summary>
    void BeginBatch()
    {
    }

    /// <summary>Called after the frames of one receive batch (the handler flushes its transmitter here); <paramref name="frames"/> may be 0.</summary>
    void EndBatch(int frames)
    {
    }
}
