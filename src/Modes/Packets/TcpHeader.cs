namespace LoadBalancer.Modes.Packets;

/// <summary>TCP header layout (RFC 9293 section 3.1).</summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          Source Port          |       Destination Port        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        Sequence Number                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Acknowledgment Number                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Data |       |C|E|U|A|P|R|S|F|                               |
/// | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Checksum            |         Urgent Pointer        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Options (MSS: kind 2, len 4, value)        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public static class TcpHeader
{
    /// <summary>Offset of the source port (big endian).</summary>
    public const int SourcePortOffset = 0;

    /// <summary>Offset of the destination port (big endian).</summary>
    public const int DestinationPortOffset = 2;

    /// <summary>Offset of the sequence number (big endian).</summary>
    public const int SequenceOffset = 4;

    /// <summary>Offset of the data offset nibble (high 4 bits, in 32-bit words).</summary>
    public const int DataOffsetOffset = 12;

    /// <summary>Offset of the flags octet.</summary>
    public const int FlagsOffset = 13;

    /// <summary>Offset of the checksum (big endian).</summary>
    public const int ChecksumOffset = 16;

    /// <summary>Length of a header without options.</summary>
    public const int MinLength = 20;

    /// <summary>FIN flag.</summary>
    public const byte FlagFin = 0x01;

    /// <summary>SYN flag.</summary>
    public const byte FlagSyn = 0x02;

    /// <summary>RST flag.</summary>
    public const byte FlagRst = 0x04;

    /// <summary>ACK flag.</summary>
    public const byte FlagAck = 0x10;

    /// <summary>Option kind: end of option list.</summary>
    public const byte OptionEnd = 0;

    /// <summary>Option kind: no-operation (padding).</summary>
    public const byte OptionNop = 1;

    /// <summary>Option kind: maximum segment size (length 4).</summary>
    public const byte OptionMss = 2;
}
