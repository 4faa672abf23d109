using LoadBalancer.Modes.Flows;

namespace LoadBalancer.Modes.Tests.Flows;

public class FlowHashTests
{
    [Fact]
    public void Hash_TenThousandEvenSourcePorts_SpreadEvenlyOverThreeBuckets()
    {
        int[] buckets = new int[3];
        for (int i = 0; i < 10_000; i++)
        {
            var key = new FlowKey(0xC0A8010A, 0x0A000064, (ushort)(32768 + (2 * i)), 80, 6);
            buckets[(int)(FlowHash.Hash(key) % 3)]++;
        }

        foreach (int count in buckets)
        {
            Assert.InRange(count, 3333 - 100, 3333 + 100);
        }
    }

    [Fact]
    public void Hash_EachFieldChanged_ChangesHash()
    {
        var key = new FlowKey(0xC0A8010A, 0x0A000064, 40000, 80, 6);
        ulong h = FlowHash.Hash(key);
        Assert.NotEqual(h, FlowHash.Hash(new FlowKey(0xC0A8010B, 0x0A000064, 40000, 80, 6)));
        Assert.NotEqual(h, FlowHash.Hash(new FlowKey(0xC0A8010A, 0x0A000065, 40000, 80, 6)));
        Assert.NotEqual(h, FlowHash.Hash(new FlowKey(0xC0A8010A, 0x0A000064, 40001, 80, 6)));
        Assert.NotEqual(h, FlowHash.Hash(new FlowKey(0xC0A8010A, 0x0A000064, 40000, 81, 6)));
        Assert.NotEqual(h, FlowHash.Hash(new FlowKey(0xC0A8010A, 0x0A000064, 40000, 80, 17)));
        Assert.Equal(h, FlowHash.Hash(new FlowKey(0xC0A8010A, 0x0A000064, 40000, 80, 6)));
    }

    [Fact]
    public void Equals_ReverseTwice_IsSameKey()
    {
        var key = new FlowKey(1, 2, 3, 4, 6);
        Assert.True(key.Reverse().Reverse() == key);
        Assert.False(key.Reverse() == key);
    }
}
