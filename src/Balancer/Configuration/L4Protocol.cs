namespace LoadBalancer.Balancer.Configuration;

/// <summary>An L4 service's transport protocol; the value is the IPv4 protocol number.</summary>
public enum L4Protocol : byte
{
    /// <summary>"tcp".</summary>
    Tcp = 6,

    /// <summary>"udp".</summary>
    Udp = 17,
}
