using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using PacketDotNet;
using PacketDotNet.Utils;

namespace LoadBalancer.Modes.Tests.TestSupport;

/// <summary>Builds test frames with PacketDotNet (which computes lengths and checksums), so expected outputs are derived independently of the code under test.</summary>
internal static class Frames
{
    public const byte Fin = 0x01;
    public const byte Syn = 0x02;
    public const byte Rst = 0x04;
    public const byte Psh = 0x08;
    public const byte Ack = 0x10;

    public static PhysicalAddress Mac(string text) => PhysicalAddress.Parse(text.Replace(':', '-').ToUpperInvariant());

    /// <summary>A TCP segment; header bytes are laid out by hand (so options are exact), checksums and lengths by PacketDotNet.</summary>
    public static byte[] Tcp(
        string srcMac, string dstMac, string src, string dst, ushort sport, ushort dport, byte flags,
        int payload = 0, byte ttl = 64, byte[]? options = null, ushort id = 0x1234, bool dontFragment = true,
        uint seq = 1000, uint ack = 0, byte tos = 0)
    {
        options ??= [];
        int headerLength = 20 + options.Length;
        var tcpBytes = new byte[headerLength + payload];
        BinaryPrimitives.WriteUInt16BigEndian(tcpBytes.AsSpan(0), sport);
        BinaryPrimitives.WriteUInt16BigEndian(tcpBytes.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt32BigEndian(tcpBytes.AsSpan(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcpBytes.AsSpan(8), ack);
        tcpBytes[12] = (byte)((headerLength / 4) << 4);
        tcpBytes[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcpBytes.AsSpan(14), 64240);
        options.CopyTo(tcpBytes, 20);
        for (int i = 0; i < payload; i++)
        {
            tcpBytes[headerLength + i] = (byte)('a' + (i % 26));
        }

        var tcp = new TcpPacket(new ByteArraySegment(tcpBytes));
        IPv4Packet ip = Ip(src, dst, ttl, id, dontFragment, tos, ProtocolType.Tcp);
        ip.PayloadPacket = tcp;
        return Finish(srcMac, dstMac, ip, () => tcp.UpdateTcpChecksum());
    }

    /// <summary>A UDP datagram; <paramref name="zeroChecksum"/> sends checksum 0 ("none").</summary>
    public static byte[] Udp(
        string srcMac, string dstMac, string src, string dst, ushort sport, ushort dport,
        int payload = 16, byte ttl = 64, ushort id = 0x1234, bool zeroChecksum = false)
    {
        var bytes = new byte[8 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(0), sport);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), (ushort)bytes.Length);
        for (int i = 0; i < payload; i++)
        {
            bytes[8 + i] = (byte)(i * 7);
        }

        var udp = new UdpPacket(new ByteArraySegment(bytes));
        IPv4Packet ip = Ip(src, dst, ttl, id, dontFragment: false, 0, ProtocolType.Udp);
        ip.PayloadPacket = udp;
        return Finish(srcMac, dstMac, ip, () =>
        {
            udp.UpdateUdpChecksum();
            if (zeroChecksum)
            {
                udp.Checksum = 0;
            }
        });
    }

    /// <summary>An ICMP error (type/code, 16-bit "rest" field such as the next-hop MTU) quoting the first bytes of an IPv4 packet.</summary>
    public static byte[] IcmpError(string srcMac, string dstMac, string src, string dst, byte type, byte code, ushort mtu, ReadOnlySpan<byte> quote, byte ttl = 64)
    {
        var bytes = new byte[8 + quote.Length];
        bytes[0] = type;
        bytes[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), mtu);
        quote.CopyTo(bytes.AsSpan(8));
        var icmp = new IcmpV4Packet(new ByteArraySegment(bytes));
        IPv4Packet ip = Ip(src, dst, ttl, 0x4321, dontFragment: false, 0, ProtocolType.Icmp);
        ip.PayloadPacket = icmp;
        return Finish(srcMac, dstMac, ip, () => icmp.UpdateIcmpChecksum());
    }

    /// <summary>An ICMP echo request.</summary>
    public static byte[] IcmpEcho(string srcMac, string dstMac, string src, string dst)
    {
        var bytes = new byte[16];
        bytes[0] = 8;
        bytes[5] = 1;
        var icmp = new IcmpV4Packet(new ByteArraySegment(bytes));
        IPv4Packet ip = Ip(src, dst, 64, 1, dontFragment: false, 0, ProtocolType.Icmp);
        ip.PayloadPacket = icmp;
        return Finish(srcMac, dstMac, ip, () => icmp.UpdateIcmpChecksum());
    }

    /// <summary>An ARP request or reply, built by PacketDotNet.</summary>
    public static byte[] Arp(ArpOperation op, string ethSrc, string ethDst, string senderMac, string senderIp, string targetMac, string targetIp)
    {
        var arp = new ArpPacket(op, Mac(targetMac), IPAddress.Parse(targetIp), Mac(senderMac), IPAddress.Parse(senderIp));
        var eth = new EthernetPacket(Mac(ethSrc), Mac(ethDst), EthernetType.Arp) { PayloadPacket = arp };
        return eth.Bytes;
    }

    /// <summary>IP-in-IP: an outer IPv4 header (protocol 4, TTL 64, TOS and DF copied from the inner header) around the IP part of an untagged frame.</summary>
    public static byte[] Ipip(string srcMac, string dstMac, string outerSrc, string outerDst, ushort id, byte[] innerFrame)
    {
        byte[] innerIp = innerFrame[14..];
        var outer = new IPv4Packet(IPAddress.Parse(outerSrc), IPAddress.Parse(outerDst))
        {
            TimeToLive = 64,
            Id = id,
            Protocol = (ProtocolType)4,
            TypeOfService = innerIp[1],
        };
        outer.FragmentFlags = (innerIp[6] & 0x40) != 0 ? (byte)0x2 : (byte)0;
        outer.PayloadData = innerIp;
        var eth = new EthernetPacket(Mac(srcMac), Mac(dstMac), EthernetType.IPv4) { PayloadPacket = outer };
        outer.UpdateCalculatedValues();
        outer.UpdateIPChecksum();
        return eth.Bytes;
    }

    /// <summary>The IPv4 packet (no Ethernet header) of an untagged frame.</summary>
    public static byte[] IpPart(byte[] frame) => frame[14..];

    /// <summary>Inserts an 802.1Q tag after the MAC addresses.</summary>
    public static byte[] WithVlan(byte[] frame, ushort vlanId)
    {
        var tagged = new byte[frame.Length + 4];
        frame.AsSpan(0, 12).CopyTo(tagged);
        BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(12), 0x8100);
        BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(14), vlanId);
        frame.AsSpan(12).CopyTo(tagged.AsSpan(16));
        return tagged;
    }

    /// <summary>Inserts IPv4 options (a multiple of 4 bytes) into an untagged frame and fixes IHL, total length and the header checksum (reference checksum).</summary>
    public static byte[] WithIpOptions(byte[] frame, byte[] options)
    {
        var result = new byte[frame.Length + options.Length];
        frame.AsSpan(0, 34).CopyTo(result);
        options.CopyTo(result, 34);
        frame.AsSpan(34).CopyTo(result.AsSpan(34 + options.Length));
        Span<byte> ip = result.AsSpan(14);
        int ihl = 20 + options.Length;
        ip[0] = (byte)(0x40 | (ihl / 4));
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(ip[2..]) + options.Length));
        FixIpChecksum(ip, ihl);
        return result;
    }

    /// <summary>Overwrites a 16-bit field of the IPv4 header of an untagged frame and fixes the header checksum (reference checksum).</summary>
    public static byte[] PatchIp16(byte[] frame, int ipOffset, ushort value)
    {
        byte[] copy = (byte[])frame.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(14 + ipOffset), value);
        FixIpChecksum(copy.AsSpan(14), (copy[14] & 0x0F) * 4);
        return copy;
    }

    /// <summary>Overwrites one byte of the IPv4 header of an untagged frame and fixes the header checksum (reference checksum).</summary>
    public static byte[] PatchIp8(byte[] frame, int ipOffset, byte value)
    {
        byte[] copy = (byte[])frame.Clone();
        copy[14 + ipOffset] = value;
        FixIpChecksum(copy.AsSpan(14), Math.Max(20, (copy[14] & 0x0F) * 4));
        return copy;
    }

    private static void FixIpChecksum(Span<byte> ip, int ihl)
    {
        ip[10] = 0;
        ip[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], RefChecksum.Compute(ip[..Math.Min(ihl, ip.Length)]));
    }

    private static IPv4Packet Ip(string src, string dst, byte ttl, ushort id, bool dontFragment, byte tos, ProtocolType protocol)
    {
        var ip = new IPv4Packet(IPAddress.Parse(src), IPAddress.Parse(dst))
        {
            TimeToLive = ttl,
            Id = id,
            TypeOfService = tos,
            Protocol = protocol,
        };
        ip.FragmentFlags = dontFragment ? (byte)0x2 : (byte)0;
        return ip;
    }

    private static byte[] Finish(string srcMac, string dstMac, IPv4Packet ip, Action updateTransport)
    {
        var eth = new EthernetPacket(Mac(srcMac), Mac(dstMac), EthernetType.IPv4) { PayloadPacket = ip };
        ip.UpdateCalculatedValues();
        updateTransport();
        ip.UpdateIPChecksum();
        return eth.Bytes;
    }
}
