namespace LoadBalancer.Modes.Packets;

/// <summary>Ethernet II header layout (IEEE 802.3 clause 3) with an optional 802.1Q tag.</summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 Destination MAC (6 octets)                    |
/// +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                               |                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
/// |                   Source MAC (6 octets)                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     EtherType (or 0x8100)     |  [802.1Q: TCI, then EtherType]|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public static class EthernetHeader
{
    /// <summary>Offset of the destination MAC.</summary>
    public const int DestinationOffset = 0;

    /// <summary>Offset of the source MAC.</summary>
    public const int SourceOffset = 6;

    /// <summary>Offset of the EtherType (big endian), or of the 802.1Q TPID when tagged.</summary>
    public const int EtherTypeOffset = 12;

    /// <summary>Length of an untagged header.</summary>
    public const int Length = 14;

    /// <summary>Length of an 802.1Q tag (TPID + TCI).</summary>
    public const int VlanTagLength = 4;

    /// <summary>EtherType of IPv4.</summary>
    public const ushort EtherTypeIpv4BigEndianValue = 0x0800;

    /// <summary>EtherType of IPv6.</summary>
    public const ushort EtherTypeIpv6BigEndianValue = 0x86DD;

    /// <summary>EtherType of ARP.</summary>
    public const ushort EtherTypeArpBigEndianValue = 0x0806;

    /// <summary>TPID of an 802.1Q VLAN tag.</summary>
    public const ushort EtherTypeVlanBigEndianValue = 0x8100;
}
