namespace LoadBalancer.Modes.Packets;

/// <summary>UDP header layout (RFC 768).</summary>
/// <remarks>
/// <code>
///  0      7 8     15 16    23 24    31
/// +--------+--------+--------+--------+
/// |   Source Port   |   Dest. Port    |
/// +--------+--------+--------+--------+
/// |     Length      |    Checksum     |
/// +--------+--------+--------+--------+
/// </code>
/// </remarks>
public static class UdpHeader
{
    /// <summary>Offset of the source port (big endian).</summary>
    public const int SourcePortOffset = 0;

    /// <summary>Offset of the destination port (big endian).</summary>
    public const int DestinationPortOffset = 2;

    /// <summary>Offset of the length of header plus data (big endian).</summary>
    public const int LengthOffset = 4;

    /// <summary>Offset of the checksum (big endian; 0 means "not computed").</summary>
    public const int ChecksumOffset = 6;

    /// <summary>Length of the header.</summary>
    public const int Length = 8;
}
