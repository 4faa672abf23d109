using System.Buffers.Binary;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Balancer.L4.Arp;

/// <summary>Builds and reads the few ARP frames the control plane needs (RFC 826).</summary>
internal static class ArpFrames
{
    /// <summary>Ethernet header + ARP, padded to the 60-byte Ethernet minimum.</summary>
    public const int FrameLength = 60;

    /// <summary>Writes a broadcast who-has request for <paramref name="target"/> from (ownMac, ownIp); returns the frame length.</summary>
    public static int BuildRequest(Span<byte> frame, EthernetAddress ownMac, uint ownIp, uint target)
    {
        frame = frame[..FrameLength];
        frame.Clear();
        new EthernetAddress(0xFFFF_FFFF_FFFF).Write(frame);
        ownMac.Write(frame[EthernetHeader.SourceOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[EthernetHeader.EtherTypeOffset..], EthernetHeader.EtherTypeArpBigEndianValue);
        var arp = frame[EthernetHeader.Length..];
        BinaryPrimitives.WriteUInt16BigEndian(arp[ArpHeader.HardwareTypeOffset..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(arp[ArpHeader.ProtocolTypeOffset..], 0x0800);
        arp[ArpHeader.HardwareLengthOffset] = 6;
        arp[ArpHeader.ProtocolLengthOffset] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[ArpHeader.OperationOffset..], ArpHeader.OperationRequest);
        ownMac.Write(arp[ArpHeader.SenderMacOffset..]);
        BinaryPrimitives.WriteUInt32BigEndian(arp[ArpHeader.SenderIpOffset..], ownIp);
        BinaryPrimitives.WriteUInt32BigEndian(arp[ArpHeader.TargetIpOffset..], target);
        return FrameLength;
    }

    /// <summary>Reads the sender of an Ethernet/IPv4 ARP frame (request or reply), with or without one VLAN tag.</summary>
    public static bool TryReadSender(ReadOnlySpan<byte> frame, out uint senderIp, out EthernetAddress senderMac, out ushort operation)
    {
        senderIp = 0;
        senderMac = default;
        operation = 0;
        var offset = EthernetHeader.Length;
        if (frame.Length < offset)
        {
            return false;
        }
        var type = BinaryPrimitives.ReadUInt16BigEndian(frame[EthernetHeader.EtherTypeOffset..]);
        if (type == 0x8100)
        {
            offset += 4;
            if (frame.Length < offset)
            {
                return false;
            }
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset - 2)..]);
        }
        if (type != EthernetHeader.EtherTypeArpBigEndianValue || frame.Length < offset + ArpHeader.Length)
        {
            return false;
        }
        var arp = frame[offset..];
        if (BinaryPrimitives.ReadUInt16BigEndian(arp[ArpHeader.ProtocolTypeOffset..]) != 0x0800 || arp[ArpHeader.HardwareLengthOffset] != 6 || arp[ArpHeader.ProtocolLengthOffset] != 4)
        {
            return false;
        }
        operation = BinaryPrimitives.ReadUInt16BigEndian(arp[ArpHeader.OperationOffset..]);
        senderMac = EthernetAddress.Read(arp[ArpHeader.SenderMacOffset..]);
        senderIp = BinaryPrimitives.ReadUInt32BigEndian(arp[ArpHeader.SenderIpOffset..]);
        return senderIp != 0;
    }
}
