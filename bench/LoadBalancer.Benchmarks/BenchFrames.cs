using System.Buffers.Binary;
using LoadBalancer.Modes.Checksums;

namespace LoadBalancer.Benchmarks;

/// <summary>Hand-built Ethernet/IPv4/TCP frames for benchmarks (PacketDotNet allocates, and the bench measures our code only).</summary>
internal static class BenchFrames
{
    public static readonly byte[] ClientMac = [2, 0, 0, 0, 0, 1];
    public static readonly byte[] BalancerMac = [2, 0, 0, 0, 0, 0xFE];

    /// <summary>Writes a TCP frame of exactly <paramref name="frameSize"/> bytes (>= 54) with valid IP and TCP checksums.</summary>
    public static byte[] Tcp(int frameSize, uint src, uint dst, ushort sport, ushort dport, byte flags)
    {
        var frame = new byte[frameSize];
        ClientMac.CopyTo(frame, 6);
        BalancerMac.CopyTo(frame, 0);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        Span<byte> ip = frame.AsSpan(14);
        int total = frameSize - 14;
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)total);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000);
        ip[8] = 64;
        ip[9] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], src);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], dst);
        InternetChecksum.WriteIpv4HeaderChecksum(ip, 20);
        Span<byte> tcp = ip[20..total];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sport);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], dport);
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 64240);
        for (int i = 20; i < tcp.Length; i++)
        {
            tcp[i] = (byte)i;
        }

        InternetChecksum.WriteTransportChecksum(tcp, src, dst, 6, 16);
        return frame;
    }

    /// <summary>Writes an Ethernet/IPv6/TCP frame of exactly <paramref name="frameSize"/> bytes (>= 74) with a valid TCP checksum.</summary>
    public static byte[] Tcp6(int frameSize, UInt128 src, UInt128 dst, ushort sport, ushort dport, byte flags)
    {
        var frame = new byte[frameSize];
        ClientMac.CopyTo(frame, 6);
        BalancerMac.CopyTo(frame, 0);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x86DD);
        Span<byte> ip = frame.AsSpan(14);
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(frameSize - 14 - 40));
        ip[6] = 6;
        ip[7] = 64;
        BinaryPrimitives.WriteUInt128BigEndian(ip[8..], src);
        BinaryPrimitives.WriteUInt128BigEndian(ip[24..], dst);
        Span<byte> tcp = ip[40..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sport);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], dport);
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 64240);
        for (int i = 20; i < tcp.Length; i++)
        {
            tcp[i] = (byte)i;
        }

        InternetChecksum.WriteTransportChecksum(tcp, src, dst, 6, 16);
        return frame;
    }
}
