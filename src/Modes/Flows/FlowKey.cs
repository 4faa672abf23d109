using System.Runtime.InteropServices;

namespace LoadBalancer.Modes.Flows;

/// <summary>A flow's 5-tuple as seen on the wire; addresses in host numeric order, ports in host order.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public readonly struct FlowKey : IEquatable<FlowKey>, IFlowKey<FlowKey>
{
    /// <summary>Source IPv4 address.</summary>
    public readonly uint SourceAddress;

    /// <summary>Destination IPv4 address.</summary>
    public readonly uint DestinationAddress;

    /// <summary>Source port.</summary>
    public readonly ushort SourcePort;

    /// <summary>Destination port.</summary>
    public readonly ushort DestinationPort;

    /// <summary>IP protocol number (6 TCP, 17 UDP).</summary>
    public readonly byte Protocol;

    /// <summary>Creates a key.</summary>
    public FlowKey(uint sourceAddress, uint destinationAddress, ushort sourcePort, ushort destinationPort, byte protocol)
    {
        SourceAddress = sourceAddress;
        DestinationAddress = destinationAddress;
        SourcePort = sourcePort;
        DestinationPort = destinationPort;
        Protocol = protocol;
    }

    /// <summary>The same flow seen in the other direction.</summary>
    public FlowKey Reverse() => new(DestinationAddress, SourceAddress, DestinationPort, SourcePort, Protocol);

    /// <summary>Compares all five fields.</summary>
    public bool Equals(FlowKey other)
        => SourceAddress == other.SourceAddress && DestinationAddress == other.DestinationAddress
        && SourcePort == other.SourcePort && DestinationPort == other.DestinationPort && Protocol == other.Protocol;

    /// <summary>Compares with a boxed key (cold paths only).</summary>
    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    /// <summary>A hash over all five fields.</summary>
    public override int GetHashCode() => (int)FlowHash.Hash(this);

    /// <summary>Equality.</summary>
    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);

    static ulong IFlowKey<FlowKey>.Hash(in FlowKey key) => FlowHash.Hash(key);
}
