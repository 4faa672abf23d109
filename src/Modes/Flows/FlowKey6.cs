namespace LoadBalancer.Modes.Flows;

/// <summary>An IPv6 flow's 5-tuple as seen on the wire; addresses in host numeric order, ports in host order.</summary>
/// <remarks>A type of its own rather than a wider <see cref="FlowKey"/>, so IPv4 keys and table slots stay 16 bytes.</remarks>
public readonly struct FlowKey6 : IEquatable<FlowKey6>, IFlowKey<FlowKey6>
{
    /// <summary>Source IPv6 address.</summary>
    public readonly UInt128 SourceAddress;

    /// <summary>Destination IPv6 address.</summary>
    public readonly UInt128 DestinationAddress;

    /// <summary>Source port.</summary>
    public readonly ushort SourcePort;

    /// <summary>Destination port.</summary>
    public readonly ushort DestinationPort;

    /// <summary>Upper-layer protocol (6 TCP, 17 UDP).</summary>
    public readonly byte Protocol;

    /// <summary>Creates a key.</summary>
    public FlowKey6(UInt128 sourceAddress, UInt128 destinationAddress, ushort sourcePort, ushort destinationPort, byte protocol)
    {
        SourceAddress = sourceAddress;
        DestinationAddress = destinationAddress;
        SourcePort = sourcePort;
        DestinationPort = destinationPort;
        Protocol = protocol;
    }

    /// <summary>The same flow seen in the other direction.</summary>
    public FlowKey6 Reverse() => new(DestinationAddress, SourceAddress, DestinationPort, SourcePort, Protocol);

    /// <summary>Compares all five fields.</summary>
    public bool Equals(FlowKey6 other)
        => SourceAddress == other.SourceAddress && DestinationAddress == other.DestinationAddress
        && SourcePort == other.SourcePort && DestinationPort == other.DestinationPort && Protocol == other.Protocol;

    /// <summary>Compares with a boxed key (cold paths only).</summary>
    public override bool Equals(object? obj) => obj is FlowKey6 other && Equals(other);

    /// <summary>A hash over all five fields.</summary>
    public override int GetHashCode() => (int)FlowHash.Hash(this);

    /// <summary>Equality.</summary>
    public static bool operator ==(FlowKey6 left, FlowKey6 right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(FlowKey6 left, FlowKey6 right) => !left.Equals(right);

    static ulong IFlowKey<FlowKey6>.Hash(in FlowKey6 key) => FlowHash.Hash(key);
}
