namespace LoadBalancer.Balancer.Lab;

/// <summary>The forwarding mode a lab's backends are prepared for.</summary>
public enum LabMode
{
    /// <summary>Destination NAT: backends route replies back through the balancer (default route via it).</summary>
    Nat,

    /// <summary>Full NAT: source rewritten too, so backends need no route change.</summary>
    FullNat,

    /// <summary>IP-in-IP: backends own the VIP on lo and decapsulate (kernel tunl0 or `balancer decap`).</summary>
    Tunnel,

    /// <summary>Direct server return: backends own the VIP on lo and answer the client directly.</summary>
    Dsr,
}
