using System.Net;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>One L4 backend as validation parsed it.</summary>
public sealed record L4BackendSettings
{
    /// <summary>The backend id (the key in the config).</summary>
    public required string Id { get; init; }

    /// <summary>IPv4 address, host numeric order (10.0.0.1 == 0x0A000001).</summary>
    public required uint Address { get; init; }

    /// <summary>IPv6 address, host numeric order; non-zero for a backend of an IPv6 service (then <see cref="Address"/> is 0).</summary>
    public UInt128 Address6 { get; init; }

    /// <summary>Backend port: its own, or the service port.</summary>
    public required ushort Port { get; init; }

    /// <summary>Relative weight (0 to 1000).</summary>
    public int Weight { get; init; } = 1;

    /// <summary>The address as an <see cref="System.Net.IPAddress"/>.</summary>
    public IPAddress IPAddress => Address6 != UInt128.Zero
        ? IPAddress.Parse(LoadBalancer.Modes.Packets.Ipv6Address.Format(Address6))
        : new([(byte)(Address >> 24), (byte)(Address >> 16), (byte)(Address >> 8), (byte)Address]);

    /// <summary>The address as text (IPv4 dotted or IPv6 RFC 5952).</summary>
    public string AddressText => Address6 != UInt128.Zero ? LoadBalancer.Modes.Packets.Ipv6Address.Format(Address6) : LoadBalancer.Modes.Packets.Ipv4Address.Format(Address);
}
