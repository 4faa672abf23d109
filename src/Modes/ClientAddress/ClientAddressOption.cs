namespace LoadBalancer.Modes.ClientAddress;

/// <summary>
/// The TCP option in which full NAT hands the client's original IPv4 address and port to the backend: an RFC 6994
/// experimental option (kind 254) with this project's 16-bit ExID, written into the client's SYN only.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  NOP (1)      |  NOP (1)      |  Kind = 254   |  Length = 10  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |        ExID = 0x4C42 ("LB")   |      client port (network)    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 client IPv4 address (network order)           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The two NOPs keep the TCP header a multiple of 4 bytes (RFC 9293 section 3.1). The ExID is not registered with IANA
/// (RFC 6994 section 3 allows unregistered use on a controlled path); only peers that trust the sender read it.
/// </remarks>
public static class ClientAddressOption
{
    /// <summary>TCP option kind for experiments (RFC 4727, RFC 6994).</summary>
    public const byte Kind = 254;

    /// <summary>This project's experiment id, "LB" in ASCII, big endian on the wire.</summary>
    public const ushort ExperimentId = 0x4C42;

    /// <summary>Length field of the option: kind, length, ExID, port, address.</summary>
    public const byte OptionLength = 10;

    /// <summary>Bytes added to the TCP header: the option plus two NOPs of padding.</summary>
    public const int InsertedLength = 12;

    /// <summary>Largest TCP header (data offset 15 words).</summary>
    public const int MaxTcpHeaderLength = 60;

    /// <summary>Offset of the ExID within the option.</summary>
    public const int ExperimentIdOffset = 2;

    /// <summary>Offset of the client port within the option.</summary>
    public const int PortOffset = 4;

    /// <summary>Offset of the client address within the option.</summary>
    public const int AddressOffset = 6;
}
