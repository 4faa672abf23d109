using System.Buffers.Binary;
using System.Net;
using PacketDotNet;
using PacketDotNet.Utils;
using static LoadBalancer.Modes.Tests.TestSupport.Frames;

namespace LoadBalancer.Modes.Tests.TestSupport;

/// <summary>Builds IPv6 test frames: the fixed header, transport header and checksums by PacketDotNet, extension headers spliced in by hand.</summary>
internal static class Frames6
{
    public const byte HopByHop = 0;
    public const byte Routing = 43;
    public const byte Fragment = 44;
    public const byte Esp = 50;
    public const byte Icmpv6 = 58;
    public const byte NoNextHeader = 59;
    public const byte DestinationOptions = 60;

    /// <summary>A TCP segment over IPv6.</summary>
    public static byte[] Tcp(
        string srcMac, string dstMac, string src, string dst, ushort sport, ushort dport, byte flags,
        int payload = 0, byte hopLimit = 64, byte[]? options = null, uint seq = 1000)
    {
        options ??= [];
        int headerLength = 20 + options.Length;
        var bytes = new byte[headerLength + payload];
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(0), sport);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), seq);
        bytes[12] = (byte)((headerLength / 4) << 4);
        bytes[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(14), 64800);
        options.CopyTo(bytes, 20);
        for (int i = 0; i < payload; i++)
        {
            bytes[headerLength + i] = (byte)('A' + (i % 26));
        }

        var tcp = new TcpPacket(new ByteArraySegment(bytes));
        IPv6Packet ip = Ip(src, dst, hopLimit, ProtocolType.Tcp);
        ip.PayloadPacket = tcp;
        return Finish(srcMac, dstMac, ip, () => tcp.UpdateTcpChecksum());
    }

    /// <summary>A UDP datagram over IPv6; <paramref name="zeroChecksum"/> stores 0, which IPv6 forbids.</summary>
    public static byte[] Udp(string srcMac, string dstMac, string src, string dst, ushort sport, ushort dport, int payload = 16, byte hopLimit = 64, bool zeroChecksum = false)
    {
        var bytes = new byte[8 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(0), sport);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), (ushort)bytes.Length);
        for (int i = 0; i < payload; i++)
        {
            bytes[8 + i] = (byte)(i * 13);
        }

        var udp = new UdpPacket(new ByteArraySegment(bytes));
        IPv6Packet ip = Ip(src, dst, hopLimit, ProtocolType.Udp);
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

    /// <summary>An ICMPv6 message of the given type and code with a body (after the 4-byte type/code/checksum).</summary>
    public static byte[] Icmp(string srcMac, string dstMac, string src, string dst, byte type, byte code, byte[] body, byte hopLimit = 255)
    {
        var bytes = new byte[4 + body.Length];
        bytes[0] = type;
        bytes[1] = code;
        body.CopyTo(bytes, 4);

        // IcmpV6Packet built from a segment repeats its 4 header bytes in the payload (PacketDotNet 1.4.8): the message
        // goes in as raw payload and its checksum comes from the naive reference over the RFC 8200 pseudo-header.
        IPv6Packet ip = Ip(src, dst, hopLimit, ProtocolType.IcmpV6);
        ip.PayloadData = bytes;
        var eth = new EthernetPacket(Mac(srcMac), Mac(dstMac), EthernetType.IPv6) { PayloadPacket = ip };
        ip.UpdateCalculatedValues();
        byte[] frame = eth.Bytes;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 4), (ushort)bytes.Length);
        byte[] pseudo = new byte[40 + bytes.Length];
        frame.AsSpan(14 + 8, 32).CopyTo(pseudo);
        BinaryPrimitives.WriteUInt32BigEndian(pseudo.AsSpan(32), (uint)bytes.Length);
        pseudo[39] = Icmpv6;
        bytes.CopyTo(pseudo, 40);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 40 + 2), RefChecksum.Compute(pseudo));
        return frame;
    }

    /// <summary>An options header (hop-by-hop or destination) holding the TLVs, padded with PadN to a multiple of 8 octets.</summary>
    public static byte[] OptionsHeader(params byte[] tlvs)
    {
        int length = (2 + tlvs.Length + 7) / 8 * 8;
        var header = new byte[length];
        header[1] = (byte)((length / 8) - 1);
        tlvs.CopyTo(header, 2);
        int pad = length - 2 - tlvs.Length;
        if (pad == 1)
        {
            header[^1] = 0;
        }
        else if (pad > 1)
        {
            header[2 + tlvs.Length] = 1;
            header[3 + tlvs.Length] = (byte)(pad - 2);
        }

        return header;
    }

    /// <summary>A segment routing header (routing type 4) with one segment.</summary>
    public static byte[] RoutingHeader(byte segmentsLeft, string segment = "2001:db8:ff::1")
    {
        var header = new byte[24];
        header[1] = 2;
        header[2] = 4;
        header[3] = segmentsLeft;
        IPAddress.Parse(segment).GetAddressBytes().CopyTo(header, 8);
        return header;
    }

    /// <summary>A fragment header: offset in 8-octet units, the M flag and an identification.</summary>
    public static byte[] FragmentHeader(ushort offsetUnits, bool more, uint id = 0xC0FFEE)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)((offsetUnits << 3) | (more ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), id);
        return header;
    }

    /// <summary>Splices extension headers (type, bytes; the first octet of each is overwritten with the next header) after the fixed header of an untagged frame and fixes the payload length.</summary>
    public static byte[] WithExtensions(byte[] frame, params (byte Type, byte[] Bytes)[] headers)
    {
        byte upper = frame[14 + 6];
        var output = new List<byte>(frame[..54]);
        output[14 + 6] = headers.Length > 0 ? headers[0].Type : upper;
        for (int i = 0; i < headers.Length; i++)
        {
            byte[] h = (byte[])headers[i].Bytes.Clone();
            h[0] = i + 1 < headers.Length ? headers[i + 1].Type : upper;
            output.AddRange(h);
        }

        output.AddRange(frame[54..]);
        byte[] result = [.. output];
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(14 + 4), (ushort)(result.Length - 54));
        return result;
    }

    /// <summary>A copy of the frame cut to its first <paramref name="length"/> bytes, with the payload length made to match (a truncated fragment, not a truncated capture).</summary>
    public static byte[] CutPayload(byte[] frame, int length)
    {
        byte[] result = frame[..length];
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(14 + 4), (ushort)(length - 54));
        return result;
    }

    /// <summary>A copy with one byte replaced.</summary>
    public static byte[] Set(byte[] frame, int offset, byte value)
    {
        byte[] copy = (byte[])frame.Clone();
        copy[offset] = value;
        return copy;
    }

    /// <summary>A copy with a big-endian 16-bit field replaced.</summary>
    public static byte[] Set16(byte[] frame, int offset, ushort value)
    {
        byte[] copy = (byte[])frame.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(offset), value);
        return copy;
    }

    private static IPv6Packet Ip(string src, string dst, byte hopLimit, ProtocolType next)
        => new(IPAddress.Parse(src), IPAddress.Parse(dst)) { HopLimit = hopLimit, NextHeader = next };

    private static byte[] Finish(string srcMac, string dstMac, IPv6Packet ip, Action updateTransport)
    {
        var eth = new EthernetPacket(Mac(srcMac), Mac(dstMac), EthernetType.IPv6) { PayloadPacket = ip };
        ip.UpdateCalculatedValues();
        updateTransport();
        return eth.Bytes;
    }
}
