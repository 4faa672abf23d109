using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using LoadBalancer.Balancer.Tests.NetNs;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>Hand-built Ethernet frames for fault and security tests: TCP SYNs from any source, ARP requests.</summary>
internal static class RawFrames
{
    /// <summary>The broadcast MAC.</summary>
    public static readonly byte[] Broadcast = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

    /// <summary>Parses "02:4c:..." into 6 bytes.</summary>
    public static byte[] Mac(string text) => PhysicalAddress.Parse(text.Replace(':', '-').ToUpperInvariant()).GetAddressBytes();

    /// <summary>An Ethernet frame with an IPv4 TCP SYN (MSS option, full TCP checksum).</summary>
    public static byte[] TcpSyn(byte[] destinationMac, byte[] sourceMac, IPAddress source, ushort sourcePort, IPAddress destination, ushort destinationPort, uint sequence)
    {
        var tcp = new byte[24];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(2), destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp.AsSpan(4), sequence);
        tcp[12] = 6 << 4; // data offset: 6 words (one MSS option)
        tcp[13] = 0x02; // SYN
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(14), 64240);
        tcp[20] = 2;
        tcp[21] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(22), 1460);
        var pseudo = new byte[12 + tcp.Length];
        source.TryWriteBytes(pseudo, out _);
        destination.TryWriteBytes(pseudo.AsSpan(4), out _);
        pseudo[9] = 6;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo.AsSpan(10), (ushort)tcp.Length);
        tcp.CopyTo(pseudo, 12);
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(16), PacketBuilder.Checksum(pseudo));
        return PacketBuilder.Ethernet(destinationMac, sourceMac, PacketBuilder.Ipv4(source, destination, 6, tcp));
    }

    /// <summary>A broadcast ARP request (who has <paramref name="target"/>? tell <paramref name="senderIp"/>).</summary>
    public static byte[] ArpRequest(byte[] senderMac, IPAddress senderIp, IPAddress target)
    {
        var frame = new byte[42];
        Broadcast.CopyTo(frame, 0);
        senderMac.CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0806);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), 1); // Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), 0x0800); // IPv4
        frame[18] = 6;
        frame[19] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(20), 1); // request
        senderMac.CopyTo(frame, 22);
        senderIp.TryWriteBytes(frame.AsSpan(28), out _);
        target.TryWriteBytes(frame.AsSpan(38), out _);
        return frame;
    }

    /// <summary>Reads an ARP reply: who answered (sender IP and MAC), or false when the frame is no ARP reply.</summary>
    public static bool TryReadArpReply(byte[] frame, out IPAddress sender, out string senderMac)
    {
        sender = IPAddress.None;
        senderMac = "";
        if (frame.Length < 42 || BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12)) != 0x0806 || BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(20)) != 2)
        {
            return false;
        }
        sender = new IPAddress(frame.AsSpan(28, 4));
        senderMac = string.Join(':', frame.AsSpan(22, 6).ToArray().Select(b => b.ToString("x2")));
        return true;
    }

    /// <summary>Rewrites the TCP source port in place with an RFC 1624 checksum update.</summary>
    public static void PatchSourcePort(byte[] frame, ushort port)
    {
        const int tcp = 14 + 20;
        var old = (ushort)((frame[tcp] << 8) | frame[tcp + 1]);
        frame[tcp] = (byte)(port >> 8);
        frame[tcp + 1] = (byte)port;
        var check = (ushort)((frame[tcp + 16] << 8) | frame[tcp + 17]);
        uint sum = (uint)(ushort)~check + (ushort)~old + port;
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        var updated = (ushort)~sum;
        frame[tcp + 16] = (byte)(updated >> 8);
        frame[tcp + 17] = (byte)updated;
    }
}
