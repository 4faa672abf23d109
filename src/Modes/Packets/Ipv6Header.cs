namespace LoadBalancer.Modes.Packets;

/// <summary>IPv6 fixed header and extension header layouts (RFC 8200 sections 3 and 4).</summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Traffic Class |           Flow Label                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Payload Length        |  Next Header  |   Hop Limit   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  Source Address (128 bits)                    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |               Destination Address (128 bits)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///
/// Hop-by-hop / destination options / routing (first two octets), RFC 8200 4.3-4.4:
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Next Header  |  Hdr Ext Len  | (options, or routing type and |
/// |               | (8-octet units| segments left), to a multiple |
/// |               |  beyond 8)    | of 8 octets                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///
/// Fragment header, RFC 8200 4.5:
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Identification                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public static class Ipv6Header
{
    /// <summary>Offset of version (high nibble), traffic class and flow label.</summary>
    public const int VersionOffset = 0;

    /// <summary>Offset of the payload length (big endian): bytes after the fixed header, extension headers included.</summary>
    public const int PayloadLengthOffset = 4;

    /// <summary>Offset of the next header (first extension header or the upper-layer protocol).</summary>
    public const int NextHeaderOffset = 6;

    /// <summary>Offset of the hop limit.</summary>
    public const int HopLimitOffset = 7;

    /// <summary>Offset of the source address (big endian).</summary>
    public const int SourceOffset = 8;

    /// <summary>Offset of the destination address (big endian).</summary>
    public const int DestinationOffset = 24;

    /// <summary>Length of the fixed header.</summary>
    public const int Length = 40;

    /// <summary>Most extension headers a packet may carry before it is dropped; RFC 8200's recommended order holds at most 7 distinct ones.</summary>
    public const int MaxExtensionHeaders = 8;

    /// <summary>Length of a fragment header.</summary>
    public const int FragmentHeaderLength = 8;

    /// <summary>Offset, within a fragment header, of the fragment offset (13 bits), 2 reserved bits and the M flag.</summary>
    public const int FragmentOffsetFieldOffset = 2;

    /// <summary>Fragment offset bits (in 8-octet units, shifted left by 3) within the fragment offset field.</summary>
    public const ushort FragmentOffsetMask = 0xFFF8;

    /// <summary>More Fragments flag within the fragment offset field.</summary>
    public const ushort MoreFragmentsMask = 0x0001;

    /// <summary>Offset, within a routing header, of the segments-left octet.</summary>
    public const int SegmentsLeftOffset = 3;

    /// <summary>Next header value of hop-by-hop options (only allowed right after the fixed header).</summary>
    public const byte NextHeaderHopByHop = 0;

    /// <summary>Next header value of a routing header.</summary>
    public const byte NextHeaderRouting = 43;

    /// <summary>Next header value of a fragment header.</summary>
    public const byte NextHeaderFragment = 44;

    /// <summary>Next header value of ICMPv6.</summary>
    public const byte NextHeaderIcmpv6 = 58;

    /// <summary>Next header value "no next header".</summary>
    public const byte NextHeaderNone = 59;

    /// <summary>Next header value of destination options.</summary>
    public const byte NextHeaderDestinationOptions = 60;

    /// <summary>Option type Pad1: a single zero octet without length.</summary>
    public const byte OptionPad1 = 0;

    /// <summary>Action bits of an option type (RFC 8200 4.2): non-zero means "discard the packet if the option is not recognised".</summary>
    public const byte OptionActionMask = 0xC0;
}
