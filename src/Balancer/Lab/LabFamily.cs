namespace LoadBalancer.Balancer.Lab;

/// <summary>Which IP families a lab's nodes get addresses in (<c>lab up --family 4|6|dual</c>).</summary>
public enum LabFamily
{
    /// <summary>IPv4 only (the default).</summary>
    Ipv4,

    /// <summary>IPv6 only on the lab's links (ULA, /64 per link); the services use the IPv6 VIP.</summary>
    Ipv6,

    /// <summary>Both: every node has its IPv4 and its IPv6 addresses, and the config has a service per family.</summary>
    Dual,
}
