using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LoadBalancer.Benchmarks;

/// <summary>The balancer's former hand-written xxHash64 (XXH64 spec), kept only as the baseline of <see cref="StableHashBenchmarks"/>.</summary>
internal static class HandWrittenXxHash64
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;
    private const ulong Prime4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime5 = 0x27D4EB2F165667C5UL;

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
