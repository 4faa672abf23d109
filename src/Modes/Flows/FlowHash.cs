using System.Numerics;
using System.Runtime.CompilerServices;

namespace LoadBalancer.Modes.Flows;

/// <summary>A fixed, seedless 64-bit hash of a 5-tuple, so two balancers with the same config agree on a flow's backend.</summary>
public static class FlowHash
{
    /// <summary>Mixes every field of the key; low bits are as good as high bits (Linux hands out mostly even source ports).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(in FlowKey key)
    {
        ulong addresses = ((ulong)key.SourceAddress << 32) | key.DestinationAddress;
        ulong rest = ((ulong)key.SourcePort << 32) | ((ulong)key.DestinationPort << 16) | key.Protocol;
        ulong h = (addresses * 0x9E3779B97F4A7C15UL) ^ BitOperations.RotateLeft(rest * 0xC2B2AE3D27D4EB4FUL, 29);
        return Mix(h);
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
