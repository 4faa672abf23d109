using System.Text;
using CsCheck;
using LoadBalancer.Modes.Selection;
using Xunit;

namespace LoadBalancer.Modes.Tests.Selection;

public sealed class StableHashTests
{
    // Published XXH64 vectors (seed 0) and values from System.IO.Hashing.XxHash64 for bytes 0..n-1.
    [Theory]
    [InlineData("", 0xEF46DB3751D8E999UL)]
    [InlineData("a", 0xD24EC4F1A98C6E5BUL)]
    [InlineData("abc", 0x44BC2CF5AD770999UL)]
    public void Hash_KnownStrings_MatchXxHash64Reference(string input, ulong expected)
    {
        Assert.Equal(expected, StableHash.Hash(input));
        Assert.Equal(expected, StableHash.Hash(Encoding.UTF8.GetBytes(input)));
    }

    [Theory]
    [InlineData(100, 0UL, 0x6AC1E58032166597UL)]
    [InlineData(100, 12345UL, 0x028BA1AE2DE4DE27UL)]
    [InlineData(37, 0UL, 0xD93FA2DFEE5C24C9UL)]
    public void Hash_CountingBytes_MatchXxHash64Reference(int length, ulong seed, ulong expected)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (byte)i;
        }

        Assert.Equal(expected, StableHash.Hash(data, seed));
    }

    [Fact]
    public void Hash_AnyString_EqualsHashOfItsUtf8Bytes()
    {
        // Lengths up to 400 cover both the stack buffer and the pooled buffer path.
        Gen.String[Gen.Char, 0, 400].Sample(
            s => StableHash.Hash(s) == StableHash.Hash(Encoding.UTF8.GetBytes(s)),
            iter: 2000);
    }

    [Fact]
    public void Hash_DifferentSeeds_GiveDifferentValues()
    {
        Gen.String.Sample(s => StableHash.Hash(s, 1) != StableHash.Hash(s, 2), iter: 1000);
    }

    [Fact]
    public void Hash_SingleBitFlip_ChangesAboutHalfTheOutputBits()
    {
        var rnd = new Random(7);
        byte[] data = new byte[16];
        long totalFlipped = 0;
        int trials = 0;
        for (int t = 0; t < 200; t++)
        {
            rnd.NextBytes(data);
            ulong before = StableHash.Hash(data);
            int bit = rnd.Next(128);
            data[bit / 8] ^= (byte)(1 << (bit % 8));
            totalFlipped += (long)ulong.PopCount(before ^ StableHash.Hash(data));
            trials++;
        }

        double mean = (double)totalFlipped / trials;
        Assert.InRange(mean, 28.0, 36.0);
    }
}
