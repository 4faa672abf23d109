using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Selection;
using LoadBalancer.Modes.Tests.Selection;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Modes.Tests.Flows;

public class FlowKey6Tests
{
    private static readonly UInt128 Client = Ipv6Address.Parse("2001:db8:1::10");
    private static readonly UInt128 Vip = Ipv6Address.Parse("2001:db8::100");

    [Fact]
    public void Hash_PinnedValue_IsTheSameInEveryProcessAndVersion()
    {
        // Two balancers with the same config must send a flow to the same backend: the value is part of the contract.
        // It is xxHash3 (seed 0) of 2001:db8:1::10, 2001:db8::100, ports 40000 and 80, protocol 6, all big endian.
        byte[] wire = Convert.FromHexString("20010db8000100000000000000000010" + "20010db8000000000000000000000100" + "9c40" + "0050" + "06");
        Assert.Equal(System.IO.Hashing.XxHash3.HashToUInt64(wire), FlowHash.Hash(new FlowKey6(Client, Vip, 40000, 80, 6)));
        Assert.Equal(0x87EE193C8C15759CUL, FlowHash.Hash(new FlowKey6(Client, Vip, 40000, 80, 6)));
    }

    [Fact]
    public void Hash_EachFieldAndEachAddressBitChanged_ChangesHash()
    {
        var key = new FlowKey6(Client, Vip, 40000, 80, 6);
        ulong h = FlowHash.Hash(key);
        var seen = new HashSet<ulong> { h };
        for (int bit = 0; bit < 128; bit++)
        {
            Assert.True(seen.Add(FlowHash.Hash(new FlowKey6(Client ^ (UInt128.One << bit), Vip, 40000, 80, 6))), $"source bit {bit}");
            Assert.True(seen.Add(FlowHash.Hash(new FlowKey6(Client, Vip ^ (UInt128.One << bit), 40000, 80, 6))), $"destination bit {bit}");
        }

        Assert.NotEqual(h, FlowHash.Hash(new FlowKey6(Client, Vip, 40001, 80, 6)));
        Assert.NotEqual(h, FlowHash.Hash(new FlowKey6(Client, Vip, 40000, 81, 6)));
        Assert.NotEqual(h, FlowHash.Hash(new FlowKey6(Client, Vip, 40000, 80, 17)));
        Assert.NotEqual(h, FlowHash.Hash(new FlowKey6(Vip, Client, 80, 40000, 6)));
        Assert.Equal(h, FlowHash.Hash(new FlowKey6(Client, Vip, 40000, 80, 6)));
    }

    [Fact]
    public void Hash_TenThousandEvenSourcePorts_SpreadEvenlyOverThreeBuckets()
    {
        int[] buckets = new int[3];
        for (int i = 0; i < 10_000; i++)
        {
            buckets[(int)(FlowHash.Hash(new FlowKey6(Client, Vip, (ushort)(32768 + (2 * i)), 80, 6)) % 3)]++;
        }

        Assert.All(buckets, count => Assert.InRange(count, 3333 - 150, 3333 + 150));
    }

    [Fact]
    public void Maglev_ThirtyThousandClientsOfOneSlash64_SpreadOverFourBackendsWithinFivePercent()
    {
        var selector = new MaglevSelector(MaglevTableTests.Backends([1, 1, 1, 1]));
        int[] counts = new int[4];
        var random = new Random(64);
        UInt128 prefix = Ipv6Address.Parse("2001:db8:aa:bb::");
        for (int i = 0; i < 30_000; i++)
        {
            UInt128 client = prefix | (UInt128)(ulong)random.NextInt64();
            counts[selector.Select(FlowHash.Hash(new FlowKey6(client, Vip, 443, 443, 6)))]++;
        }

        Assert.All(counts, count => Assert.InRange(count, 7500 * 0.95, 7500 * 1.05));
    }

    [Fact]
    public void Hash_AllocatesNothing()
    {
        ulong sink = 0;
        IReadOnlyList<long> rounds = Allocations.UntilSteady(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                // Summed, not XORed: each round hashes the same keys, so an even number of rounds XORed back to 0.
                sink += FlowHash.Hash(new FlowKey6(Client, Vip, (ushort)i, 80, 6));
            }
        });
        Assert.True(Allocations.Settled(rounds), Allocations.Describe(rounds));
        Assert.NotEqual(0UL, sink);
    }

    [Fact]
    public void Reverse_Twice_IsSameKeyAndOnceSwapsBothEnds()
    {
        var key = new FlowKey6(Client, Vip, 40000, 80, 6);
        FlowKey6 reversed = key.Reverse();
        Assert.True(reversed.Reverse() == key);
        Assert.True(reversed != key);
        Assert.Equal(Vip, reversed.SourceAddress);
        Assert.Equal((ushort)80, reversed.SourcePort);
        Assert.Equal(key.GetHashCode(), new FlowKey6(Client, Vip, 40000, 80, 6).GetHashCode());
    }
}
