namespace LoadBalancer.Balancer.Tools;

/// <summary>Forwarding modes in which the backend must own the VIP itself.</summary>
public enum BackendSetupMode
{
    /// <summary>Direct server return: frames arrive with the VIP as destination, only the MAC rewritten.</summary>
    Dsr,

    /// <summary>IP-in-IP: packets arrive wrapped in an outer header addressed to the backend and must be unwrapped.</summary>
    Tunnel,
}
