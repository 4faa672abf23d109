using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>The outcome of processing one frame: what to do and, for Tx, where the rewritten frame now lies in the buffer.</summary>
/// <param name="Verdict">Transmit, drop or pass to the control plane.</param>
/// <param name="Reason">Why it was dropped (<see cref="DropReason.None"/> otherwise).</param>
/// <param name="Offset">Start of the frame to send (the tunnel mode moves it 20 bytes earlier).</param>
/// <param name="Length">Length of the frame to send.</param>
/// <param name="EgressInterfaceIndex">Engine interface index to send on (Tx only).</param>
public readonly record struct ForwardResult(Verdict Verdict, DropReason Reason, int Offset, int Length, int EgressInterfaceIndex)
{
    /// <summary>A drop with its reason.</summary>
    public static ForwardResult Dropped(DropReason reason) => new(Verdict.Drop, reason, 0, 0, -1);
}
