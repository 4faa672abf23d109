using System.Buffers.Binary;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>Answers ARP requests for owned VIPs by turning the request frame into the reply in place.</summary>
public static class ArpResponder
{
    /// <summary>If the frame is an Ethernet/IPv4 ARP request for a VIP of the snapshot, rewrites it into the reply (same length) and returns true.</summary>
    public static bool TryBuildReply(Span<byte> frame, L4Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (!TryGetRequestTarget(frame, out int arp, out uint target) || !snapshot.IsVip(target))
        {
            return false;
        }

        WriteReply(frame, arp, snapshot.BalancerMac, target);
        return true;
    }

    /// <summary>Same for an explicit list of owned addresses and the MAC to answer with.</summary>
    public static bool TryBuildReply(Span<byte> frame, EthernetAddress ownMac, ReadOnlySpan<uint> ownedAddresses)
    {
        if (!TryGetRequestTarget(frame, out int arp, out uint target) || !ownedAddresses.Contains(target))
        {
            return false;
        }

        WriteReply(frame, arp, ownMac, target);
        return true;
    }

    /// <summary>Builds a gratuitous ARP (a request announcing address -> MAC, RFC 5227 section 3) into a 42-byte frame; returns its length.</summary>
    public static int BuildGratuitous(Span<byte> frame, EthernetAddress ownMac, uint address)
    {
        frame = frame[..(EthernetHeader.Length + ArpHeader.Length)];
        frame.Clear();
        new EthernetAddress(0xFFFF_FFFF_FFFF).Write(frame);
        ownMac.Write(frame[EthernetHeader.SourceOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[EthernetHeader.EtherTypeOffset..], EthernetHeader.EtherTypeArpBigEndianValue);
        Span<byte> arp = frame[EthernetHeader.Length..];
        WriteArpPrefix(arp, ArpHeader.OperationRequest);
        ownMac.Write(arp[ArpHeader.SenderMacOffset..]);
        BinaryPrimitives.WriteUInt32BigEndian(arp[ArpHeader.SenderIpOffset..], address);
        BinaryPrimitives.WriteUInt32BigEndian(arp[ArpHeader.TargetIpOffset..], address);
        return frame.Length;
    }

    private static bool TryGetRequestTarget(ReadOnlySpan<byte> frame, out int arpOffset, out uint target)
    {
        arpOffset = 0;
        target = 0;
        if (PacketParser.Parse(frame, 0, frame.Length, out PacketView view) != DropReason.None || view.EtherType != EthernetHeader.EtherTypeArpBigEndianValue)
        {
            return false;
        }

        ReadOnlySpan<byte> arp = frame[view.L2Length..];
        if (BinaryPrimitives.ReadUInt16BigEndian(arp[ArpHeader.HardwareTypeOffset..]) != 1
            || BinaryPrimitives.ReadUInt16BigEndian(arp[ArpHeader.ProtocolTypeOffset..]) != EthernetHeader.EtherTypeIpv4BigEndianValue
            || arp[ArpHeader.HardwareLengthOffset] != 6 || arp[ArpHeader.ProtocolLengthOffset] != 4
            || BinaryPrimitives.ReadUInt16BigEndian(arp[ArpHeader.OperationOffset..]) != ArpHeader.OperationRequest)
        {
            return false;
        }

        arpOffset = view.L2Length;
        target = BinaryPrimitives.ReadUInt32BigEndian(arp[ArpHeader.TargetIpOffset..]);
        return true;
    }

    private static void WriteReply(Span<byte> frame, int arpOffset, EthernetAddress ownMac, uint target)
    {
        Span<byte> arp = frame[arpOffset..];
        EthernetAddress requesterMac = EthernetAddress.Read(arp[ArpHeader.SenderMacOffset..]);
        uint requesterIp = BinaryPrimitives.ReadUInt32BigEndian(arp[ArpHeader.SenderIpOffset..]);
        requesterMac.Write(frame[EthernetHeader.DestinationOffset..]);
        ownMac.Write(frame[EthernetHeader.SourceOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(arp[ArpHeader.OperationOffset..], ArpHeader.OperationReply);
        ownMac.Write(arp[ArpHeader.SenderMacOffset..]);
        BinaryPrimitives.WriteUInt32BigEndian(arp[ArpHeader.SenderIpOffset..], target);
        requesterMac.Write(arp[ArpHeader.TargetMacOffset..]);
        BinaryPrimitives.WriteUInt32BigEndian(arp[ArpHeader.TargetIpOffset..], requesterIp);
    }

    private static void WriteArpPrefix(Span<byte> arp, ushort operation)
    {
        BinaryPrimitives.WriteUInt16BigEndian(arp[ArpHeader.HardwareTypeOffset..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(arp[ArpHeader.ProtocolTypeOffset..], EthernetHeader.EtherTypeIpv4BigEndianValue);
        arp[ArpHeader.HardwareLengthOffset] = 6;
        arp[ArpHeader.ProtocolLengthOffset] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[ArpHeader.OperationOffset..], operation);
    }
}
