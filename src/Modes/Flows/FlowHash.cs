using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LoadBalancer.Modes.Flows;

/// <summary>A fixed, seedless 64-bit hash of a 5-tuple, so two balancers with the same config agree on a flow's backend.</summary>
public static class FlowHash
{
    private const int KeyBytes6 = 37;

    /// <summary>Mixes every field of the key; low bits are as good as high bits (Linux hands out mostly even source ports).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(in FlowKey key)
    {
        ulong addresses = ((ulong)key.SourceAddress << 32) | key.DestinationAddress;
        ulong rest = ((ulong)key.SourcePort << 32) | ((ulong)key.DestinationPort << 16) | key.Protocol;
        ulong h = (addresses * 0x9E3779B97F4A7C15UL) ^ BitOperations.RotateLeft(rest * 0xC2B2AE3D27D4EB4FUL, 29);
        return Mix(h);
    }

    /// <summary>xxHash3 (seed 0, fixed by its spec) over the key's 37 bytes in wire order: addresses, ports, protocol.</summary>
    /// <remarks>IPv4 keeps the two-multiply mix above; 296 input bits are left to a library hash whose mixing is published and tested.</remarks>
    public static ulong Hash(in FlowKey6 key)
    {
        Span<byte> bytes = stackalloc byte[KeyBytes6];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, key.SourceAddress);
        BinaryPrimitives.WriteUInt128BigEndian(bytes[16..], key.DestinationAddress);
        BinaryPrimitives.WriteUInt16BigEndian(bytes[32..], key.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(bytes[34..], key.DestinationPort);
        bytes[36] = key.Protocol;
        return XxHash3.HashToUInt64(bytes);
    }

    /// <summary>MurmurHash3's 64-bit finaliser: every input bit affects every output bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 33;
        return h;
    }
}
