namespace LoadBalancer.Modes.Packets;

/// <summary>ARP packet layout for Ethernet/IPv4 (RFC 826).</summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |        Hardware type (1)      |     Protocol type (0x0800)    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  HLEN (6)     |  PLEN (4)     |   Operation (1 req, 2 reply)  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Sender hardware address (6) | Sender protocol address (4)   |
/// |   Target hardware address (6) | Target protocol address (4)   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public static class ArpHeader
{
    /// <summary>Offset of the hardware type (big endian).</summary>
    public const int HardwareTypeOffset = 0;

    /// <summary>Offset of the protocol type (big endian).</summary>
    public const int ProtocolTypeOffset = 2;

    /// <summary>Offset of the hardware address length.</summary>
    public const int HardwareLengthOffset = 4;

    /// <summary>Offset of the protocol address length.</summary>
    public const int ProtocolLengthOffset = 5;

    /// <summary>Offset of the operation (big endian).</summary>
    public const int OperationOffset = 6;

    /// <summary>Offset of the sender MAC.</summary>
    public const int SenderMacOffset = 8;

    /// <summary>Offset of the sender IPv4 address (big endian).</summary>
    public const int SenderIpOffset = 14;

    /// <summary>Offset of the target MAC.</summary>
    public const int TargetMacOffset = 18;

    /// <summary>Offset of the target IPv4 address (big endian).</summary>
    public const int TargetIpOffset = 24;

    /// <summary>Length of an Ethernet/IPv4 ARP packet.</summary>
    public const int Length = 28;

    /// <summary>Operation code of a request.</summary>
    public const ushort OperationRequest = 1;

    /// <summary>Operation code of a reply.</summary>
    public const ushort OperationReply = 2;
}
