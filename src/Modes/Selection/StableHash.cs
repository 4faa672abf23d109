using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace LoadBalancer.Modes.Selection;

/// <summary>A stable, well-mixed 64-bit hash (xxHash64) that gives the same value in every process, run and machine.</summary>
/// <remarks>
/// <see cref="string.GetHashCode()"/> is randomised per process, so it cannot place backends on a Maglev ring that two
/// balancers must agree on. This is xxHash64 (https://github.com/Cyan4973/xxHash, XXH64 spec) written against the BCL only,
/// so its output can be checked against any other xxHash64 implementation. Strings are hashed as their UTF-8 bytes, so a
/// key hashes the same here as in a tool that hashes the text.
/// </remarks>
public static class StableHash
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;
    private const ulong Prime4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime5 = 0x27D4EB2F165667C5UL;

    // Strings up to this many UTF-8 bytes are encoded on the stack; longer ones borrow a pooled buffer.
    private const int StackLimit = 256;

    /// <summary>Returns the xxHash64 (seed 0) of <paramref name="data"/>.</summary>
    public static ulong Hash(ReadOnlySpan<byte> data) => Hash(data, 0);

    /// <summary>Returns the xxHash64 of the UTF-8 bytes of <paramref name="s"/> (seed 0).</summary>
    public static ulong Hash(string s) => Hash(s, 0);

    /// <summary>Returns the xxHash64 of the UTF-8 bytes of <paramref name="s"/> with the given seed.</summary>
    public static ulong Hash(string s, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(s);
        return Hash(s.AsSpan(), seed);
    }

    /// <summary>Returns the xxHash64 of the UTF-8 bytes of <paramref name="chars"/> with the given seed.</summary>
    public static ulong Hash(ReadOnlySpan<char> chars, ulong seed)
    {
        int max = Encoding.UTF8.GetMaxByteCount(chars.Length);
        if (max <= StackLimit)
        {
            Span<byte> buffer = stackalloc byte[StackLimit];
            int written = Encoding.UTF8.GetBytes(chars, buffer);
            return Hash(buffer[..written], seed);
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            int written = Encoding.UTF8.GetBytes(chars, rented);
            return Hash(rented.AsSpan(0, written), seed);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Returns the xxHash64 of <paramref name="data"/> with the given seed.</summary>
    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed)
    {
        int length = data.Length;
        ulong h;
        if (length >= 32)
        {
            ulong v1 = seed + Prime1 + Prime2;
            ulong v2 = seed + Prime2;
            ulong v3 = seed;
            ulong v4 = seed - Prime1;
            do
            {
                v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(data));
                v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(data[8..]));
                v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(data[16..]));
                v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(data[24..]));
                data = data[32..];
            }
            while (data.Length >= 32);

            h = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7)
                + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
            h = MergeRound(h, v1);
            h = MergeRound(h, v2);
            h = MergeRound(h, v3);
            h = MergeRound(h, v4);
        }
        else
        {
            h = seed + Prime5;
        }

        h += (ulong)length;

        while (data.Length >= 8)
        {
            h ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data));
            h = BitOperations.RotateLeft(h, 27) * Prime1 + Prime4;
            data = data[8..];
        }

        if (data.Length >= 4)
        {
            h ^= BinaryPrimitives.ReadUInt32LittleEndian(data) * Prime1;
            h = BitOperations.RotateLeft(h, 23) * Prime2 + Prime3;
            data = data[4..];
        }

        foreach (byte b in data)
        {
            h ^= b * Prime5;
            h = BitOperations.RotateLeft(h, 11) * Prime1;
        }

        return Avalanche(h);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Round(ulong acc, ulong input)
    {
        acc += input * Prime2;
        acc = BitOperations.RotateLeft(acc, 31);
        return acc * Prime1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MergeRound(ulong acc, ulong value)
    {
        acc ^= Round(0, value);
        return acc * Prime1 + Prime4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Avalanche(ulong h)
    {
        h ^= h >> 33;
        h *= Prime2;
        h ^= h >> 29;
        h *= Prime3;
        h ^= h >> 32;
        return h;
    }
}
