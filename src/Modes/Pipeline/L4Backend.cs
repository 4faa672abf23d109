using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>One backend of an L4 service as the data plane needs it.</summary>
/// <param name="Address">Backend IPv4 address, host numeric order (0 for an IPv6 backend).</param>
/// <param name="Port">Backend port (NAT modes rewrite to it; DSR/tunnel backends listen on the VIP port).</param>
/// <param name="Mac">Next-hop MAC toward the backend (resolved by the control plane).</param>
/// <param name="InterfaceIndex">Engine interface index the backend is reached through.</param>
/// <param name="Weight">Relative weight the selector was built with (0 = no new flows).</param>
/// <param name="FlowCounter">Slot in the connection table's per-backend flow counters (0: not counted), stable while the backend exists.</param>
/// <param name="Address6">Backend IPv6 address, host numeric order; non-zero makes this an IPv6 backend (then <paramref name="Address"/> is 0).</param>
public readonly record struct L4Backend(uint Address, ushort Port, EthernetAddress Mac, int InterfaceIndex, int Weight, ushort FlowCounter = 0, UInt128 Address6 = default)
{
    /// <summary>Whether this is an IPv6 backend.</summary>
    public bool IsIpv6 => Address6 != UInt128.Zero;
}
