namespace LoadBalancer.Modes.Flows;

/// <summary>Which reply index a new flow needs so that backend replies map back to it.</summary>
public enum ReverseKind : byte
{
    /// <summary>Replies bypass the balancer (DSR, tunnel).</summary>
    None = 0,

    /// <summary>Replies come as backend:port -> client:port.</summary>
    Nat = 1,

    /// <summary>Replies come as backend:port -> balancer source address:pooled port.</summary>
    FullNat = 2,
}
