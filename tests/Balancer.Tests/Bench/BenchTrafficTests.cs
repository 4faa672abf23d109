using LoadBalancer.Bench.Contenders;
using LoadBalancer.Bench.Traffic;

namespace LoadBalancer.Balancer.Tests.Bench;

public sealed class BenchTrafficTests
{
    [Fact]
    public void ColdStart_From_LossPerSecondOfSequenceBuckets()
    {
        // 120k sent at 50k/s: two full seconds and a 20k partial one; the extra last bucket holds strays.
        var r = ColdStartResult.From(120_000, 50_000, [45_000, 50_000, 19_000, 0]);

        Assert.Equal([10.0, 0.0, 5.0], r.PerSecondLossPercent);
        Assert.Equal(10.0, r.FirstSecondLossPercent);
        Assert.Equal(100.0 * 6_000 / 120_000, r.LossPercent, 9);
    }

    [Fact]
    public void WarmUpCurve_SecondsTo_EndOfFirstSliceAtTheShare()
    {
        double[] series = [2_000, 6_000, 8_900, 9_000, 10_000];

        Assert.Equal(4, WarmUpCurve.SecondsTo(series, 10_000, 0.9));
        Assert.Equal(1, WarmUpCurve.SecondsTo(series, 2_000, 0.9));
        Assert.True(double.IsNaN(WarmUpCurve.SecondsTo(series, 20_000, 0.9)));
        Assert.True(double.IsNaN(WarmUpCurve.SecondsTo(series, double.NaN, 0.9)));
    }

    [Fact]
    public void WarmUpCurve_Steady_MeasuredElseBestOfLastThree()
    {
        double[] series = [1_000, 9_000, 7_000, 8_000, 6_000];

        Assert.Equal(12_345, WarmUpCurve.Steady(series, 12_345));
        Assert.Equal(8_000, WarmUpCurve.Steady(series, double.NaN));
        Assert.True(double.IsNaN(WarmUpCurve.Steady([], double.NaN)));
    }

    [Fact]
    public void SynPacket_Write_MatchesChecksumsComputedIndependently()
    {
        var p = new byte[SynPacket.Length];

        // 10.200.1.77:40000 -> 10.200.0.100:8080, seq 0x12345678; checksums from a separate Python implementation.
        SynPacket.Write(p, 0x0AC8014D, 0x0AC80064, 40000, 8080, 0x12345678);

        Assert.Equal(0xcd17, (p[10] << 8) | p[11]);
        Assert.Equal(0x7934, (p[36] << 8) | p[37]);
        Assert.Equal(0x02, p[33]);
        Assert.True(SynPacket.ChecksumsValid(p));
        p[25] ^= 1;
        Assert.False(SynPacket.ChecksumsValid(p));
    }

    [Theory]
    [InlineData("l4-nat", "nat", null, null, null, null)]
    [InlineData("l4-nat-w2", "nat", 2, null, null, null)]
    [InlineData("l4-fullnat-w16", "fullnat", 16, null, null, null)]
    [InlineData("l4-nat-sendmmsg-bypass-b32", "nat", null, "sendmmsg", true, 32)]
    [InlineData("l4-dsr-ring-w1", "dsr", 1, "ring", null, null)]
    public void L4Variant_Parse_NameToSettings(string name, string mode, int? workers, string? transmit, bool? bypass, int? batch)
    {
        var v = L4Variant.Parse(name)!;

        Assert.Equal(new L4Variant(mode, workers, transmit, bypass, batch), v);
        Assert.Equal(workers is not null || transmit is not null || bypass is not null || batch is not null, v.HasSettings);
    }

    [Theory]
    [InlineData("l4-nat-w0", "'w0'")]
    [InlineData("l4-nat-w17", "'w17'")]
    [InlineData("l4-nat-w1-w2", "'w2'")]
    [InlineData("l4-nat-pcap-ring", "'ring'")]
    [InlineData("l4-foo", "unknown mode 'foo'")]
    [InlineData("l4-nat-fast", "'fast'")]
    public void L4Variant_Parse_BadSuffix_NamesItAndTheGrammar(string name, string part)
    {
        var ex = Assert.Throws<ArgumentException>(() => L4Variant.Parse(name));

        Assert.Contains(part, ex.Message, StringComparison.Ordinal);
        Assert.Contains(L4Variant.Grammar, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("l4-dsr-router1", "dsr", null, 1)]
    [InlineData("l4-dsr-router2", "dsr", null, 2)]
    [InlineData("l4-tunnel-w1-router8", "tunnel", 1, 8)]
    public void L4Variant_Parse_Router_BalancersBehindTheRouter(string name, string mode, int? workers, int router)
    {
        Assert.Equal(new L4Variant(mode, workers, Router: router), L4Variant.Parse(name));
    }

    [Theory]
    [InlineData("l4-dsr-router0", "'router0'")]
    [InlineData("l4-dsr-router9", "'router9'")]
    [InlineData("l4-dsr-router2-router1", "'router1'")]
    public void L4Variant_Parse_BadRouterCount_NamesItAndTheGrammar(string name, string part)
    {
        var ex = Assert.Throws<ArgumentException>(() => L4Variant.Parse(name));

        Assert.Contains(part, ex.Message, StringComparison.Ordinal);
        Assert.Contains(L4Variant.Grammar, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("l4-nat-router2")]
    [InlineData("l4-fullnat-router2")]
    public void L4Variant_Parse_RouterWithNatMode_IsRefusedWithTheModesThatCan(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => L4Variant.Parse(name));

        Assert.Contains("only dsr and tunnel run behind the router", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void L4Variant_Parse_OtherContender_IsNull() => Assert.Null(L4Variant.Parse("nftables"));
}
