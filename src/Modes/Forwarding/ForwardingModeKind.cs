namespace LoadBalancer.Modes.Forwarding;

/// <summary>The forwarding modes the L4 engine implements; the processor switches on this instead of dispatching through an interface.</summary>
public enum ForwardingModeKind : byte
{
    /// <summary>Two-arm NAT: destination rewritten to the backend, replies rewritten back.</summary>
    Nat = 0,

    /// <summary>Full NAT: destination and source rewritten (source to a balancer address and pooled port).</summary>
    FullNat = 1,

    /// <summary>IP-in-IP: an outer IPv4 header addressed to the backend.</summary>
    Tunnel = 2,

    /// <summary>Direct server return: only MAC addresses change.</summary>
    Dsr = 3,
}
