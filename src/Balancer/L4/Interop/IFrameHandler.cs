namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Receives every frame a <see cref="PcapPort"/> captures, on the port's receive thread.</summary>
public interface IFrameHandler
{
    /// <summary>Handles one captured frame; the span points into libpcap's buffer and is valid only during the call.</summary>
    void OnFrame(ReadOnlySpan<byte> frame);
}
