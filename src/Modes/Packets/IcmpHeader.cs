namespace LoadBalancer.Modes.Packets;

/// <summary>ICMPv4 header layout (RFC 792); error messages carry the original IP header plus at least 8 octets.</summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     unused (frag-needed: unused | Next-Hop MTU, RFC 1191)      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      Internet Header + 64 bits of Original Data Datagram      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public static class IcmpHeader
{
    /// <summary>Offset of the type.</summary>
    public const int TypeOffset = 0;

    /// <summary>Offset of the code.</summary>
    public const int CodeOffset = 1;

    /// <summary>Offset of the checksum (big endian).</summary>
    public const int ChecksumOffset = 2;

    /// <summary>Length of the header before the error payload.</summary>
    public const int Length = 8;

    /// <summary>Octets of the original datagram's transport header an error must carry.</summary>
    public const int ErrorTransportBytes = 8;

    /// <summary>Type: echo reply.</summary>
    public const byte TypeEchoReply = 0;

    /// <summary>Type: destination unreachable (code 4 = fragmentation needed).</summary>
    public const byte TypeDestinationUnreachable = 3;

    /// <summary>Type: source quench (deprecated, still an error format).</summary>
    public const byte TypeSourceQuench = 4;

    /// <summary>Type: echo request.</summary>
    public const byte TypeEchoRequest = 8;

    /// <summary>Type: time exceeded.</summary>
    public const byte TypeTimeExceeded = 11;

    /// <summary>Type: parameter problem.</summary>
    public const byte TypeParameterProblem = 12;

    /// <summary>Code of destination unreachable: fragmentation needed and DF set.</summary>
    public const byte CodeFragmentationNeeded = 4;

    /// <summary>Whether an ICMP type is an error that quotes the original datagram.</summary>
    public static bool IsError(byte type)
        => type is TypeDestinationUnreachable or TypeSourceQuench or TypeTimeExceeded or TypeParameterProblem;
}
