using System.Buffers.Binary;

namespace LoadBalancer.Bench.Traffic;

/// <summary>Writes a 40-byte IPv4 + TCP SYN (no options) with valid checksums.</summary>
public static class SynPacket
{
    /// <summary>Bytes of one packet.</summary>
    public const int Length = 40;

    /// <summary>Writes a SYN from <paramref name="source"/>:<paramref name="sourcePort"/> to <paramref name="destination"/>:<paramref name="destinationPort"/> (addresses in host order).</summary>
    public static void Write(Span<byte> p, uint source, uint destination, ushort sourcePort, ushort destinationPort, uint sequence)
    {
        p[..Length].Clear();
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p[2..], Length);
        BinaryPrimitives.WriteUInt16BigEndian(p[4..], (ushort)sequence);
        p[6] = 0x40; // don't fragment
        p[8] = 64;
        p[9] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(p[12..], source);
        BinaryPrimitives.WriteUInt32BigEndian(p[16..], destination);
        BinaryPrimitives.WriteUInt16BigEndian(p[10..], Fold(Sum(p[..20], 0)));
        var tcp = p[20..Length];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        tcp[12] = 5 << 4;
        tcp[13] = 0x02; // SYN
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 64240);
        uint pseudo = (source >> 16) + (source & 0xffff) + (destination >> 16) + (destination & 0xffff) + 6 + 20;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Fold(Sum(tcp, pseudo)));
    }

    /// <summary>Whether the IPv4 header and TCP checksums of a packet verify (for tests).</summary>
    public static bool ChecksumsValid(ReadOnlySpan<byte> p)
    {
        uint src = BinaryPrimitives.ReadUInt32BigEndian(p[12..]), dst = BinaryPrimitives.ReadUInt32BigEndian(p[16..]);
        int tcpLength = BinaryPrimitives.ReadUInt16BigEndian(p[2..]) - 20;
        uint pseudo = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + (uint)tcpLength;
        return Fold(Sum(p[..20], 0)) == 0 && Fold(Sum(p.Slice(20, tcpLength), pseudo)) == 0;
    }

    private static uint Sum(ReadOnlySpan<byte> data, uint sum)
    {
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if ((data.Length & 1) == 1)
        {
            sum += (uint)data[^1] << 8;
        }

        return sum;
    }

    private static ushort Fold(uint sum)
    {
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
