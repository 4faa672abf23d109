using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LoadBalancer.Modes.Checksums;

/// <summary>The Internet checksum (RFC 1071): one's complement sum of 16-bit big-endian words, accumulated 32 bits at a time in 64 bits.</summary>
public static class InternetChecksum
{
    /// <summary>Returns the checksum of the data (the value to store, host numeric order); 0 when verifying data that already holds a correct checksum.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Sum(data, 0));

    /// <summary>Adds the data's 16-bit big-endian words to a running sum and returns the folded 16-bit sum (host numeric order).</summary>
    /// <remarks>RFC 1071 section 2(B): the sum is byte-order independent, so we add native-endian 32-bit words and swap once at the end.</remarks>
    public static uint Sum(ReadOnlySpan<byte> data, uint initial)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        int length = data.Length;
        ulong acc = 0;
        int i = 0;
        for (; i + 32 <= length; i += 32)
        {
            acc += (ulong)Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i))
                + Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i + 4))
                + Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i + 8))
                + Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i + 12))
                + Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i + 16))
                + Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i + 20))
                + Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i + 24))
                + Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i + 28));
        }

        for (; i + 4 <= length; i += 4)
        {
            acc += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
        }

        if (i + 2 <= length)
        {
            acc += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i));
            i += 2;
        }

        if (i < length)
        {
            // A trailing odd byte is the high octet of a zero-padded big-endian word.
            byte last = Unsafe.Add(ref start, i);
            acc += BitConverter.IsLittleEndian ? last : (ulong)last << 8;
        }

        uint folded = Fold64(acc);
        if (BitConverter.IsLittleEndian)
        {
            folded = BinaryPrimitives.ReverseEndianness((ushort)folded);
        }

        return Fold32(folded + initial);
    }

    /// <summary>Sum of the IPv4 pseudo-header (RFC 9293 section 3.1 / RFC 768) for a transport segment of the given length.</summary>
    public static uint PseudoHeaderSum(uint sourceAddress, uint destinationAddress, byte protocol, int transportLength)
        => Fold32((sourceAddress >> 16) + (sourceAddress & 0xFFFF) + (destinationAddress >> 16) + (destinationAddress & 0xFFFF) + protocol + (uint)transportLength);

    /// <summary>Sum of the IPv6 pseudo-header (RFC 8200 section 8.1) for an upper-layer packet of the given length.</summary>
    public static uint PseudoHeaderSum(UInt128 sourceAddress, UInt128 destinationAddress, byte nextHeader, int upperLayerLength)
        => Fold32(Sum128(sourceAddress) + Sum128(destinationAddress) + nextHeader + ((uint)upperLayerLength >> 16) + ((uint)upperLayerLength & 0xFFFF));

    /// <summary>The folded one's complement sum of the eight 16-bit words of a 128-bit value (an IPv6 address).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Sum128(UInt128 value)
    {
        ulong high = (ulong)(value >> 64);
        ulong low = (ulong)value;
        return Fold64((high >> 32) + (high & 0xFFFFFFFF) + (low >> 32) + (low & 0xFFFFFFFF));
    }

    /// <summary>Recomputes and stores the TCP, UDP or ICMPv6 checksum of an IPv6 upper-layer packet; a UDP result of 0 is sent as 0xFFFF.</summary>
    public static void WriteTransportChecksum(Span<byte> segment, UInt128 sourceAddress, UInt128 destinationAddress, byte nextHeader, int checksumOffset)
    {
        segment[checksumOffset] = 0;
        segment[checksumOffset + 1] = 0;
        StoreTransportChecksum(segment, PseudoHeaderSum(sourceAddress, destinationAddress, nextHeader, segment.Length), nextHeader, checksumOffset);
    }

    /// <summary>Complements a folded sum into the checksum to store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Finish(uint sum) => (ushort)~Fold32(sum);

    /// <summary>Recomputes and stores the IPv4 header checksum of the header at the start of the span.</summary>
    public static void WriteIpv4HeaderChecksum(Span<byte> ipHeader, int headerLength)
    {
        ipHeader[10] = 0;
        ipHeader[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ipHeader[10..], Compute(ipHeader[..headerLength]));
    }

    /// <summary>Recomputes and stores the TCP or UDP checksum of a segment (pseudo-header included); a UDP result of 0 is sent as 0xFFFF.</summary>
    public static void WriteTransportChecksum(Span<byte> segment, uint sourceAddress, uint destinationAddress, byte protocol, int checksumOffset)
    {
        segment[checksumOffset] = 0;
        segment[checksumOffset + 1] = 0;
        StoreTransportChecksum(segment, PseudoHeaderSum(sourceAddress, destinationAddress, protocol, segment.Length), protocol, checksumOffset);
    }

    /// <summary>Sums the segment (its checksum field already zero) onto the pseudo-header sum and stores the result; UDP's 0 is sent as 0xFFFF.</summary>
    private static void StoreTransportChecksum(Span<byte> segment, uint pseudoHeaderSum, byte protocol, int checksumOffset)
    {
        ushort checksum = Finish(Sum(segment, pseudoHeaderSum));
        if (checksum == 0 && protocol == 17)
        {
            checksum = 0xFFFF;
        }

        BinaryPrimitives.WriteUInt16BigEndian(segment[checksumOffset..], checksum);
    }

    private static uint Fold64(ulong acc)
    {
        acc = (acc & 0xFFFFFFFF) + (acc >> 32);
        acc = (acc & 0xFFFFFFFF) + (acc >> 32);
        return Fold32((uint)acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Fold32(uint sum)
    {
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return sum;
    }
}
