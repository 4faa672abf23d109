using System.Buffers.Binary;
using LoadBalancer.Modes.Checksums;

namespace LoadBalancer.Modes.Packets;

/// <summary>Bounds-checked parser for Ethernet II (+ one 802.1Q tag), ARP, IPv4, IPv6, TCP, UDP, ICMP and ICMPv6; never throws.</summary>
public static partial class PacketParser
{
    // Over 80 lines on purpose: one per-packet method keeps its locals in registers and its checks in wire order; a split
    // would have to be shown free by ForwardingBenchmarks first.
    /// <summary>Parses the frame at [offset, offset+length) of the buffer; returns <see cref="DropReason.None"/> on success.</summary>
    /// <remarks>ARP frames succeed with <see cref="PacketView.EtherType"/> = ARP and no L3 fields.</remarks>
    public static DropReason Parse(ReadOnlySpan<byte> buffer, int offset, int length, out PacketView view)
    {
        view = default;
        if ((uint)offset > (uint)buffer.Length || (uint)length > (uint)(buffer.Length - offset))
        {
            return DropReason.Truncated;
        }

        ReadOnlySpan<byte> frame = buffer.Slice(offset, length);
        view.L2Offset = offset;
        if (frame.Length < EthernetHeader.Length)
        {
            return DropReason.Truncated;
        }

        int l2 = EthernetHeader.Length;
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[EthernetHeader.EtherTypeOffset..]);
        if (etherType == EthernetHeader.EtherTypeVlanBigEndianValue)
        {
            l2 += EthernetHeader.VlanTagLength;
            if (frame.Length < l2)
            {
                return DropReason.Truncated;
            }

            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(EthernetHeader.EtherTypeOffset + EthernetHeader.VlanTagLength)..]);
        }

        view.L2Length = l2;
        view.EtherType = etherType;
        if (etherType == EthernetHeader.EtherTypeArpBigEndianValue)
        {
            return frame.Length - l2 < ArpHeader.Length ? DropReason.Truncated : DropReason.None;
        }

        if (etherType != EthernetHeader.EtherTypeIpv4BigEndianValue)
        {
            return etherType == EthernetHeader.EtherTypeIpv6BigEndianValue ? ParseIpv6(frame, l2, offset, ref view) : DropReason.NotIpv4;
        }

        ReadOnlySpan<byte> ip = frame[l2..];
        if (ip.Length < Ipv4Header.MinLength)
        {
            return DropReason.Truncated;
        }

        byte versionIhl = ip[Ipv4Header.VersionIhlOffset];
        if (versionIhl >> 4 != 4)
        {
            return DropReason.NotIpv4;
        }

        int ihl = (versionIhl & 0x0F) * 4;
        if (ihl < Ipv4Header.MinLength)
        {
            return DropReason.BadIhl;
        }

        if (ihl > ip.Length)
        {
            return DropReason.Truncated;
        }

        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[Ipv4Header.TotalLengthOffset..]);
        if (totalLength < ihl)
        {
            return DropReason.BadTotalLength;
        }

        if (totalLength > ip.Length)
        {
            return DropReason.Truncated;
        }

        if (InternetChecksum.Compute(ip[..ihl]) != 0)
        {
            return DropReason.BadChecksum;
        }

        view.L3Offset = offset + l2;
        view.IpHeaderLength = ihl;
        view.IpTotalLength = totalLength;
        view.Protocol = ip[Ipv4Header.ProtocolOffset];
        view.Ttl = ip[Ipv4Header.TtlOffset];
        view.SourceAddress = BinaryPrimitives.ReadUInt32BigEndian(ip[Ipv4Header.SourceOffset..]);
        view.DestinationAddress = BinaryPrimitives.ReadUInt32BigEndian(ip[Ipv4Header.DestinationOffset..]);
        view.L4Offset = view.L3Offset + ihl;

        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(ip[Ipv4Header.FlagsFragmentOffset..]);
        if ((fragment & (Ipv4Header.MoreFragmentsMask | Ipv4Header.FragmentOffsetMask)) != 0)
        {
            return DropReason.Fragment;
        }

        ReadOnlySpan<byte> l4 = ip[ihl..totalLength];
        switch (view.Protocol)
        {
            case Ipv4Header.ProtocolTcp:
                return ParseTcp(l4, ref view);
            case Ipv4Header.ProtocolUdp:
                return ParseUdp(l4, ref view);
            case Ipv4Header.ProtocolIcmp:
                return ParseIcmp(l4, ref view);
            default:
                return DropReason.UnsupportedProtocol;
        }
    }

    private static DropReason ParseTcp(ReadOnlySpan<byte> l4, ref PacketView view)
    {
        if (l4.Length < TcpHeader.MinLength)
        {
            return DropReason.Truncated;
        }

        int dataOffset = (l4[TcpHeader.DataOffsetOffset] >> 4) * 4;
        if (dataOffset < TcpHeader.MinLength || dataOffset > l4.Length)
        {
            return DropReason.BadTotalLength;
        }

        view.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(l4[TcpHeader.SourcePortOffset..]);
        view.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(l4[TcpHeader.DestinationPortOffset..]);
        view.TcpFlags = l4[TcpHeader.FlagsOffset];
        view.TcpHeaderLength = dataOffset;
        return DropReason.None;
    }

    private static DropReason ParseUdp(ReadOnlySpan<byte> l4, ref PacketView view)
    {
        if (l4.Length < UdpHeader.Length)
        {
            return DropReason.Truncated;
        }

        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(l4[UdpHeader.LengthOffset..]);
        if (udpLength < UdpHeader.Length || udpLength > l4.Length)
        {
            return DropReason.BadTotalLength;
        }

        view.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(l4[UdpHeader.SourcePortOffset..]);
        view.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(l4[UdpHeader.DestinationPortOffset..]);
        return DropReason.None;
    }

    private static DropReason ParseIcmp(ReadOnlySpan<byte> l4, ref PacketView view)
    {
        if (l4.Length < IcmpHeader.Length)
        {
            return DropReason.Truncated;
        }

        view.IcmpType = l4[IcmpHeader.TypeOffset];
        view.IcmpLength = l4.Length;
        if (!IcmpHeader.IsError(view.IcmpType))
        {
            return DropReason.None;
        }

        ReadOnlySpan<byte> inner = l4[IcmpHeader.Length..];
        if (inner.Length < Ipv4Header.MinLength)
        {
            return DropReason.Truncated;
        }

        if (inner[Ipv4Header.VersionIhlOffset] >> 4 != 4)
        {
            return DropReason.NotIpv4;
        }

        int ihl = (inner[Ipv4Header.VersionIhlOffset] & 0x0F) * 4;
        if (ihl < Ipv4Header.MinLength)
        {
            return DropReason.BadIhl;
        }

        if (inner.Length < ihl + IcmpHeader.ErrorTransportBytes)
        {
            return DropReason.Truncated;
        }

        byte protocol = inner[Ipv4Header.ProtocolOffset];
        if (protocol is not (Ipv4Header.ProtocolTcp or Ipv4Header.ProtocolUdp))
        {
            return DropReason.UnsupportedProtocol;
        }

        view.IsIcmpError = true;
        view.InnerL3Offset = view.L4Offset + IcmpHeader.Length;
        view.InnerIpHeaderLength = ihl;
        view.InnerProtocol = protocol;
        view.InnerSourceAddress = BinaryPrimitives.ReadUInt32BigEndian(inner[Ipv4Header.SourceOffset..]);
        view.InnerDestinationAddress = BinaryPrimitives.ReadUInt32BigEndian(inner[Ipv4Header.DestinationOffset..]);
        view.InnerSourcePort = BinaryPrimitives.ReadUInt16BigEndian(inner[ihl..]);
        view.InnerDestinationPort = BinaryPrimitives.ReadUInt16BigEndian(inner[(ihl + 2)..]);
        return DropReason.None;
    }
}
