using System.Buffers.Binary;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>IPv6 neighbour discovery (RFC 4861) for owned addresses: answers solicitations, announces, solicits backends and reads advertisements.</summary>
/// <remarks>
/// <code>
/// NS / NA after the IPv6 header (ICMPv6 type 135 / 136, code 0), then options:
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |R|S|O|                     Reserved (NS: all reserved)          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Target Address (128 bits)                |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Type (1 source / 2 target LL) | Length (8-octet units) | MAC    |
/// </code>
/// Nothing here allocates: requests are parsed from the frame and replies written over it.
/// </remarks>
public static class NdpResponder
{
    /// <summary>ICMPv6 type of a neighbour solicitation.</summary>
    public const byte TypeSolicitation = 135;

    /// <summary>ICMPv6 type of a neighbour advertisement.</summary>
    public const byte TypeAdvertisement = 136;

    /// <summary>Length of the NS/NA message before its options.</summary>
    public const int MessageLength = 24;

    /// <summary>Length of a link-layer address option for Ethernet.</summary>
    public const int LinkLayerOptionLength = 8;

    /// <summary>Length of the frames built here (Ethernet, IPv6, message, one link-layer option): the room a reply needs.</summary>
    public const int FrameLength = EthernetHeader.Length + Ipv6Header.Length + MessageLength + LinkLayerOptionLength;

    /// <summary>Hop limit every NS/NA carries and must arrive with.</summary>
    public const byte HopLimit = 255;

    private const byte OptionSourceLinkLayer = 1;
    private const byte OptionTargetLinkLayer = 2;
    private const int FlagsOffset = 4;
    private const int TargetOffset = 8;
    private const byte FlagSolicited = 0x40;
    private const byte FlagOverride = 0x20;
    private static readonly UInt128 s_allNodes = new(0xFF02_0000_0000_0000, 1);
    private static readonly UInt128 s_solicitedNodePrefix = new(0xFF02_0000_0000_0000, 0x0000_0001_FF00_0000);

    /// <summary>Whether the frame is an untagged IPv6 NS or NA with no extension header: a cheap test the receive path makes before the processor.</summary>
    public static bool IsNeighbourDiscovery(ReadOnlySpan<byte> frame)
        => frame.Length >= EthernetHeader.Length + Ipv6Header.Length + 4
            && BinaryPrimitives.ReadUInt16BigEndian(frame[EthernetHeader.EtherTypeOffset..]) == EthernetHeader.EtherTypeIpv6BigEndianValue
            && frame[EthernetHeader.Length + Ipv6Header.NextHeaderOffset] == Ipv6Header.NextHeaderIcmpv6
            && frame[EthernetHeader.Length + Ipv6Header.Length] is TypeSolicitation or TypeAdvertisement;

    /// <summary>The solicited-node multicast address of <paramref name="address"/> (ff02::1:ffXX:XXXX, RFC 4291 section 2.7.1).</summary>
    public static UInt128 SolicitedNode(UInt128 address) => s_solicitedNodePrefix | (address & 0xFF_FFFF);

    /// <summary>The Ethernet multicast address of an IPv6 multicast address (33:33 and its low 32 bits, RFC 2464 section 7).</summary>
    public static EthernetAddress MulticastMac(UInt128 address) => new(0x3333_0000_0000UL | (uint)address);

    /// <summary>If the frame is a valid NS for an owned address, rewrites it in place into the solicited NA and returns <see cref="DropReason.None"/>.</summary>
    /// <param name="frame">The frame at its start, with room for <see cref="FrameLength"/> bytes (plus a VLAN tag) whatever its length.</param>
    /// <param name="length">The received frame's length.</param>
    /// <param name="ownMac">The MAC written as the target link-layer address.</param>
    /// <param name="owned">The addresses answered for (VIPs and full-NAT sources).</param>
    /// <param name="replyLength">The NA's length.</param>
    /// <returns>None when answered; otherwise the reason the frame is dropped (<see cref="DropReason.UnsupportedProtocol"/> when it is not an NS at all).</returns>
    public static DropReason TryBuildAdvertisement(Span<byte> frame, int length, EthernetAddress ownMac, ReadOnlySpan<UInt128> owned, out int replyLength)
    {
        replyLength = 0;
        DropReason reason = Validate(frame[..length], TypeSolicitation, out int l3, out UInt128 source, out UInt128 target, out EthernetAddress linkLayer);
        if (reason != DropReason.None)
        {
            return reason;
        }

        if (!owned.Contains(target))
        {
            return DropReason.NdpTargetNotOwned;
        }

        if (frame.Length < l3 + Ipv6Header.Length + MessageLength + LinkLayerOptionLength)
        {
            return DropReason.Truncated;
        }

        // RFC 4861 7.2.4: to the soliciter (S set), or to all nodes when it was performing duplicate address detection.
        bool dad = source == UInt128.Zero;
        EthernetAddress requester = linkLayer != EthernetAddress.Zero ? linkLayer : EthernetAddress.Read(frame[EthernetHeader.SourceOffset..]);
        UInt128 destination = dad ? s_allNodes : source;
        (dad ? MulticastMac(s_allNodes) : requester).Write(frame[EthernetHeader.DestinationOffset..]);
        ownMac.Write(frame[EthernetHeader.SourceOffset..]);
        replyLength = l3 + WriteMessage(frame[l3..], TypeAdvertisement, (byte)(dad ? FlagOverride : FlagSolicited | FlagOverride), target, destination, target, OptionTargetLinkLayer, ownMac);
        return DropReason.None;
    }

    /// <summary>Builds an unsolicited NA (to all nodes, override set, RFC 4861 7.2.6) announcing <paramref name="address"/> at <paramref name="ownMac"/>; returns its length.</summary>
    public static int BuildUnsolicitedAdvertisement(Span<byte> frame, EthernetAddress ownMac, UInt128 address)
    {
        WriteEthernet(frame, MulticastMac(s_allNodes), ownMac);
        return EthernetHeader.Length + WriteMessage(frame[EthernetHeader.Length..], TypeAdvertisement, FlagOverride, address, s_allNodes, address, OptionTargetLinkLayer, ownMac);
    }

    /// <summary>Builds an NS from <paramref name="source"/> for <paramref name="target"/> to its solicited-node address, with the source link-layer option; returns its length.</summary>
    public static int BuildSolicitation(Span<byte> frame, EthernetAddress ownMac, UInt128 source, UInt128 target)
    {
        UInt128 group = SolicitedNode(target);
        WriteEthernet(frame, MulticastMac(group), ownMac);
        return EthernetHeader.Length + WriteMessage(frame[EthernetHeader.Length..], TypeSolicitation, 0, source, group, target, OptionSourceLinkLayer, ownMac);
    }

    /// <summary>The receive path's handling of an NS or NA: answers an NS for an owned address in place, reads the neighbour an NA (or an NS's source link-layer option) tells about, counts every drop.</summary>
    /// <param name="frame">The frame at its start, with room for <see cref="FrameLength"/> bytes plus a VLAN tag.</param>
    /// <param name="length">The received frame's length.</param>
    /// <param name="ownMac">The balancer's MAC.</param>
    /// <param name="owned">The addresses answered for.</param>
    /// <param name="counters">The receiving worker's counters (drops are counted there, by reason).</param>
    /// <param name="replyLength">The NA to send (0: nothing to send).</param>
    /// <param name="neighbour">An address whose MAC the frame tells (0: none).</param>
    /// <param name="neighbourMac">That MAC.</param>
    public static void Handle(
        Span<byte> frame, int length, EthernetAddress ownMac, ReadOnlySpan<UInt128> owned, DataPlaneCounters counters,
        out int replyLength, out UInt128 neighbour, out EthernetAddress neighbourMac)
    {
        ArgumentNullException.ThrowIfNull(counters);
        replyLength = 0;
        DropReason reason;
        if (frame.Length > EthernetHeader.Length + Ipv6Header.Length && length > EthernetHeader.Length + Ipv6Header.Length && IsAdvertisementAt(frame[..length]))
        {
            reason = TryReadAdvertisement(frame[..length], out neighbour, out neighbourMac);
        }
        else
        {
            neighbour = TryReadSolicitationSender(frame[..length], out UInt128 sender, out neighbourMac) ? sender : UInt128.Zero;
            reason = TryBuildAdvertisement(frame, length, ownMac, owned, out replyLength);
        }

        if (reason != DropReason.None)
        {
            neighbour = reason == DropReason.NdpTargetNotOwned ? neighbour : UInt128.Zero;
            counters.CountDrop(reason);
        }
    }

    private static bool IsAdvertisementAt(ReadOnlySpan<byte> frame)
    {
        int l3 = BinaryPrimitives.ReadUInt16BigEndian(frame[EthernetHeader.EtherTypeOffset..]) == EthernetHeader.EtherTypeVlanBigEndianValue
            ? EthernetHeader.Length + EthernetHeader.VlanTagLength
            : EthernetHeader.Length;
        return frame.Length > l3 + Ipv6Header.Length && frame[l3 + Ipv6Header.Length] == TypeAdvertisement;
    }

    /// <summary>Reads a valid NA: its target and the target's MAC (the target link-layer option, else the frame's Ethernet source).</summary>
    /// <returns>None when valid; otherwise the drop reason (<see cref="DropReason.UnsupportedProtocol"/> when it is not an NA at all).</returns>
    public static DropReason TryReadAdvertisement(ReadOnlySpan<byte> frame, out UInt128 target, out EthernetAddress mac)
    {
        DropReason reason = Validate(frame, TypeAdvertisement, out _, out _, out target, out mac);
        if (reason == DropReason.None && mac == EthernetAddress.Zero)
        {
            mac = EthernetAddress.Read(frame[EthernetHeader.SourceOffset..]);
        }

        return reason;
    }

    /// <summary>Reads the sender of a valid NS that has a source link-layer option (RFC 4861 7.2.3 lets the receiver learn it); false otherwise.</summary>
    public static bool TryReadSolicitationSender(ReadOnlySpan<byte> frame, out UInt128 source, out EthernetAddress mac)
        => Validate(frame, TypeSolicitation, out _, out source, out _, out mac) == DropReason.None && source != UInt128.Zero && mac != EthernetAddress.Zero;

    /// <summary>Checks an NS or NA (RFC 4861 7.1.1 and 7.1.2) and reads its addresses and link-layer option.</summary>
    private static DropReason Validate(ReadOnlySpan<byte> frame, byte type, out int l3, out UInt128 source, out UInt128 target, out EthernetAddress linkLayer)
    {
        l3 = 0;
        source = target = UInt128.Zero;
        linkLayer = EthernetAddress.Zero;
        var view = default(PacketView);
        DropReason reason = PacketParser.Parse(frame, 0, frame.Length, out view);
        if (reason != DropReason.None)
        {
            return reason;
        }

        if (!view.IsIpv6 || view.Protocol != Ipv6Header.NextHeaderIcmpv6 || view.IcmpType != type)
        {
            return DropReason.UnsupportedProtocol;
        }

        if (view.Ttl != HopLimit)
        {
            return DropReason.NdpBadHopLimit;
        }

        ReadOnlySpan<byte> message = frame.Slice(view.L4Offset, view.IcmpLength);
        source = view.SourceAddress6;
        if (message.Length < MessageLength || message[1] != 0 || (byte)(source >> 120) == 0xFF)
        {
            return DropReason.NdpMalformed;
        }

        target = BinaryPrimitives.ReadUInt128BigEndian(message[TargetOffset..]);
        if ((byte)(target >> 120) == 0xFF)
        {
            return DropReason.NdpMalformed;
        }

        if (InternetChecksum.Finish(InternetChecksum.Sum(message, InternetChecksum.PseudoHeaderSum(source, view.DestinationAddress6, Ipv6Header.NextHeaderIcmpv6, message.Length))) != 0)
        {
            return DropReason.NdpBadChecksum;
        }

        reason = ReadOptions(message[MessageLength..], type == TypeSolicitation ? OptionSourceLinkLayer : OptionTargetLinkLayer, out linkLayer, out bool present);
        if (reason != DropReason.None)
        {
            return reason;
        }

        // Duplicate address detection (RFC 4861 7.1.1): no source link-layer option, and sent to the solicited-node group.
        if (type == TypeSolicitation && source == UInt128.Zero && (present || view.DestinationAddress6 != SolicitedNode(target)))
        {
            return DropReason.NdpUnspecifiedSourceWithLinkLayerOption;
        }

        // RFC 4861 7.1.2: an NA to a multicast group must not claim to be solicited.
        if (type == TypeAdvertisement && (byte)(view.DestinationAddress6 >> 120) == 0xFF && (message[FlagsOffset] & FlagSolicited) != 0)
        {
            return DropReason.NdpMalformed;
        }

        l3 = view.L3Offset;
        return DropReason.None;
    }

    /// <summary>Walks the options: each at least 8 bytes, none past the end; reads the wanted link-layer option (which must be 8 bytes).</summary>
    private static DropReason ReadOptions(ReadOnlySpan<byte> options, byte wanted, out EthernetAddress linkLayer, out bool present)
    {
        linkLayer = EthernetAddress.Zero;
        present = false;
        while (!options.IsEmpty)
        {
            int length = options.Length >= 2 ? options[1] * 8 : 0;
            if (length == 0 || length > options.Length)
            {
                return DropReason.NdpBadOption;
            }

            if (options[0] is OptionSourceLinkLayer or OptionTargetLinkLayer && length != LinkLayerOptionLength)
            {
                return DropReason.NdpBadOption;
            }

            if (options[0] == wanted)
            {
                linkLayer = EthernetAddress.Read(options[2..]);
                present = true;
            }

            options = options[length..];
        }

        return DropReason.None;
    }

    private static void WriteEthernet(Span<byte> frame, EthernetAddress destination, EthernetAddress source)
    {
        destination.Write(frame[EthernetHeader.DestinationOffset..]);
        source.Write(frame[EthernetHeader.SourceOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[EthernetHeader.EtherTypeOffset..], EthernetHeader.EtherTypeIpv6BigEndianValue);
    }

    /// <summary>Writes the IPv6 header, the NS/NA and one link-layer option, with the ICMPv6 checksum; returns the IPv6 packet's length.</summary>
    private static int WriteMessage(Span<byte> ip, byte type, byte flags, UInt128 source, UInt128 destination, UInt128 target, byte option, EthernetAddress mac)
    {
        const int payload = MessageLength + LinkLayerOptionLength;
        ip = ip[..(Ipv6Header.Length + payload)];
        ip.Clear();
        ip[Ipv6Header.VersionOffset] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[Ipv6Header.PayloadLengthOffset..], payload);
        ip[Ipv6Header.NextHeaderOffset] = Ipv6Header.NextHeaderIcmpv6;
        ip[Ipv6Header.HopLimitOffset] = HopLimit;
        BinaryPrimitives.WriteUInt128BigEndian(ip[Ipv6Header.SourceOffset..], source);
        BinaryPrimitives.WriteUInt128BigEndian(ip[Ipv6Header.DestinationOffset..], destination);
        Span<byte> message = ip[Ipv6Header.Length..];
        message[0] = type;
        message[FlagsOffset] = flags;
        BinaryPrimitives.WriteUInt128BigEndian(message[TargetOffset..], target);
        message[MessageLength] = option;
        message[MessageLength + 1] = 1;
        mac.Write(message[(MessageLength + 2)..]);
        InternetChecksum.WriteTransportChecksum(message, source, destination, Ipv6Header.NextHeaderIcmpv6, 2);
        return ip.Length;
    }
}
