namespace LoadBalancer.Modes.Packets;

/// <summary>What the packet loop does with a frame after processing (katran style).</summary>
public enum Verdict : byte
{
    /// <summary>Discard; the result's reason says why.</summary>
    Drop = 0,

    /// <summary>Transmit the rewritten frame on the result's egress interface.</summary>
    Tx = 1,

    /// <summary>Hand the frame to the control plane unchanged (ARP, ICMP echo to a VIP).</summary>
    Pass = 2,
}
