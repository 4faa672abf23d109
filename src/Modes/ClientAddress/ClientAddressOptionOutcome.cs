namespace LoadBalancer.Modes.ClientAddress;

/// <summary>What full NAT did with a client's SYN for a service that hands on the client address (a counter label; the SYN is forwarded in every case).</summary>
public enum ClientAddressOptionOutcome
{
    /// <summary>The option was inserted.</summary>
    Added,

    /// <summary>The SYN already carried an option with our ExID (sent by the client itself): its address and port were overwritten with the real ones.</summary>
    Replaced,

    /// <summary>The TCP header had no 12 bytes of option space left: forwarded without the option.</summary>
    NoOptionSpace,

    /// <summary>The SYN carries data (TCP Fast Open): forwarded without the option.</summary>
    SynPayload,

    /// <summary>The frame had no headroom to grow into: forwarded without the option.</summary>
    NoHeadroom,
}
