namespace LoadBalancer.Modes.Packets;

/// <summary>IPv4 header layout (RFC 791 section 3.1).</summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version|  IHL  |Type of Service|          Total Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Identification        |Flags|      Fragment Offset    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Time to Live |    Protocol   |         Header Checksum       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Source Address                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Destination Address                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Options                    |    Padding    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public static class Ipv4Header
{
    /// <summary>Offset of version (high nibble) and IHL in 32-bit words (low nibble).</summary>
    public const int VersionIhlOffset = 0;

    /// <summary>Offset of the type of service (DSCP/ECN) octet.</summary>
    public const int TosOffset = 1;

    /// <summary>Offset of the total length (big endian).</summary>
    public const int TotalLengthOffset = 2;

    /// <summary>Offset of the identification (big endian).</summary>
    public const int IdentificationOffset = 4;

    /// <summary>Offset of flags (3 bits) and fragment offset (13 bits), big endian.</summary>
    public const int FlagsFragmentOffset = 6;

    /// <summary>Offset of the time to live.</summary>
    public const int TtlOffset = 8;

    /// <summary>Offset of the protocol number.</summary>
    public const int ProtocolOffset = 9;

    /// <summary>Offset of the header checksum (big endian).</summary>
    public const int ChecksumOffset = 10;

    /// <summary>Offset of the source address (big endian).</summary>
    public const int SourceOffset = 12;

    /// <summary>Offset of the destination address (big endian).</summary>
    public const int DestinationOffset = 16;

    /// <summary>Length of a header without options.</summary>
    public const int MinLength = 20;

    /// <summary>Don't Fragment bit within the flags/fragment word.</summary>
    public const ushort DontFragmentMask = 0x4000;

    /// <summary>More Fragments bit within the flags/fragment word.</summary>
    public const ushort MoreFragmentsMask = 0x2000;

    /// <summary>Fragment offset bits within the flags/fragment word.</summary>
    public const ushort FragmentOffsetMask = 0x1FFF;

    /// <summary>Protocol number of ICMP.</summary>
    public const byte ProtocolIcmp = 1;

    /// <summary>Protocol number of IP-in-IP encapsulation (RFC 2003).</summary>
    public const byte ProtocolIpip = 4;

    /// <summary>Protocol number of TCP.</summary>
    public const byte ProtocolTcp = 6;

    /// <summary>Protocol number of UDP.</summary>
    public const byte ProtocolUdp = 17;
}
