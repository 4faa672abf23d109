using System.Buffers;
using System.IO.Hashing;
using System.Text;

namespace LoadBalancer.Modes.Selection;

/// <summary>A stable, well-mixed 64-bit hash (xxHash64) that gives the same value in every process, run and machine.</summary>
/// <remarks>
/// <see cref="string.GetHashCode()"/> is randomised per process, so it cannot place backends on a Maglev ring that two
/// balancers must agree on. This is xxHash64 (XXH64 spec) from System.IO.Hashing, whose output is fixed by the spec and
/// can be checked against any other xxHash64 implementation (the tests hold published vectors). Strings are hashed as
/// their UTF-8 bytes, so a key hashes the same here as in a tool that hashes the text.
/// </remarks>
public static class StableHash
{
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
    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed) => XxHash64.HashToUInt64(data, unchecked((long)seed));
}
