namespace LoadBalancer.Modes.Forwarding;

/// <summary>How the tunnel mode rewrites the MSS option of a client's SYN so full-size segments still fit after the 20-byte outer header.</summary>
public enum MssClampMode : byte
{
    /// <summary>Leave the MSS alone.</summary>
    Off = 0,

    /// <summary>Lower the MSS by the outer header's 20 bytes.</summary>
    SubtractOverhead = 1,

    /// <summary>Lower the MSS to a configured value when it is larger.</summary>
    Fixed = 2,
}
