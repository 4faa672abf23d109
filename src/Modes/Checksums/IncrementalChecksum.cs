using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace LoadBalancer.Modes.Checksums;

/// <summary>Incremental checksum update (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')).</summary>
/// <remarks>Wrong when the stored checksum is a partial (offloaded) one; that is why full recompute is the default.</remarks>
public static class IncrementalChecksum
{
    /// <summary>Returns the checksum after one 16-bit word changed from <paramref name="oldWord"/> to <paramref name="newWord"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Update16(ushort checksum, ushort oldWord, ushort newWord)
    {
        uint sum = (uint)(ushort)~checksum + (ushort)~oldWord + newWord;
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>Returns the checksum after a 32-bit field (an address) changed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Update32(ushort checksum, uint oldValue, uint newValue)
        => Update16(Update16(checksum, (ushort)(oldValue >> 16), (ushort)(newValue >> 16)), (ushort)oldValue, (ushort)newValue);

    /// <summary>Applies a 16-bit change to the big-endian checksum stored at <paramref name="checksumField"/>.</summary>
    public static void Apply16(Span<byte> checksumField, ushort oldWord, ushort newWord)
        => BinaryPrimitives.WriteUInt16BigEndian(checksumField, Update16(BinaryPrimitives.ReadUInt16BigEndian(checksumField), oldWord, newWord));

    /// <summary>Applies a 32-bit change to the big-endian checksum stored at <paramref name="checksumField"/>.</summary>
    public static void Apply32(Span<byte> checksumField, uint oldValue, uint newValue)
        => BinaryPrimitives.WriteUInt16BigEndian(checksumField, Update32(BinaryPrimitives.ReadUInt16BigEndian(checksumField), oldValue, newValue));

    /// <summary>Returns the checksum after a 128-bit field (an IPv6 address) changed: eqn. 3 with the old and new words summed first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Update128(ushort checksum, UInt128 oldValue, UInt128 newValue)
        => Update16(checksum, (ushort)InternetChecksum.Sum128(oldValue), (ushort)InternetChecksum.Sum128(newValue));

    /// <summary>Applies a 128-bit change to the big-endian checksum stored at <paramref name="checksumField"/>.</summary>
    public static void Apply128(Span<byte> checksumField, UInt128 oldValue, UInt128 newValue)
        => BinaryPrimitives.WriteUInt16BigEndian(checksumField, Update128(BinaryPrimitives.ReadUInt16BigEndian(checksumField), oldValue, newValue));
}
