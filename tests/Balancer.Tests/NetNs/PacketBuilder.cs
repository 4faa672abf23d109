using System.Buffers.Binary;
using System.Net;

namespace LoadBalancer.Balancer.Tests.NetNs;

/// <summary>Builds small test packets by hand (Ethernet, IPv4, UDP, IP-in-IP) with correct header checksums.</summary>
public static class PacketBuilder
{
    /// <summary>Builds an IPv4 header followed by the payload; protocol as given, checksum filled in.</summary>
    public static byte[] Ipv4(IPAddress source, IPAddress destination, byte protocol, ReadOnlySpan<byte> payload, byte ttl = 64)
    {
        var packet = new byte[20 + payload.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 0x1234);
        packet[6] = 0x40; // don't fragment
        packet[8] = ttl;
        packet[9] = protocol;
        source.TryWriteBytes(packet.AsSpan(12), out _);
        destination.TryWriteBytes(packet.AsSpan(16), out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum(packet.AsSpan(0, 20)));
        payload.CopyTo(packet.AsSpan(20));
        return packet;
    }

    /// <summary>Builds an IPv4 UDP datagram (UDP checksum 0, which IPv4 allows).</summary>
    public static byte[] Udp(IPAddress source, ushort sourcePort, IPAddress destination, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        var udp = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        payload.CopyTo(udp.AsSpan(8));
        return Ipv4(source, destination, 17, udp);
    }

    /// <summary>Prefixes an Ethernet II header (EtherType IPv4).</summary>
    public static byte[] Ethernet(ReadOnlySpan<byte> destinationMac, ReadOnlySpan<byte> sourceMac, ReadOnlySpan<byte> ipPacket)
    {
        var frame = new byte[14 + ipPacket.Length];
        destinationMac.CopyTo(frame);
        sourceMac.CopyTo(frame.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        ipPacket.CopyTo(frame.AsSpan(14));
        return frame;
    }

    /// <summary>RFC 1071 Internet checksum.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (uint)data[i] << 8;
        }

        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
