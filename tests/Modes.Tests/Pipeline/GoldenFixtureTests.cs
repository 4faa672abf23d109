using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Tests.TestSupport;

namespace LoadBalancer.Modes.Tests.Pipeline;

public class GoldenFixtureTests
{
    public static IEnumerable<object[]> FixtureNames() => GoldenFixtures.Names();

    [Fact]
    public void Catalogue_HasAtLeastFortyFixtures()
    {
        Assert.True(GoldenFixtures.All.Count >= 40, $"only {GoldenFixtures.All.Count} fixtures");
    }

    [Fact]
    public void Catalogue_HasAtLeastThirtyIpv6Fixtures()
    {
        int count = GoldenFixtures.All.Keys.Count(n => n.StartsWith("v6-", StringComparison.Ordinal));
        Assert.True(count >= 30, $"only {count} IPv6 fixtures");
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Process_GoldenFixture_MatchesExpectedVerdictAndBytes(string name)
    {
        GoldenFixture f = GoldenFixtures.All[name];
        (L4Processor processor, _, _) = TestEnvironment.BuildProcessor();
        foreach (byte[] prelude in f.Prelude)
        {
            ForwardResult p = Run(processor, prelude, 64, out _);
            Assert.True(p.Verdict == Verdict.Tx, $"{name}: prelude frame was not transmitted: {p}");
        }

        ForwardResult r = Run(processor, f.Input, f.Headroom, out byte[] buffer);
        Assert.True(f.Verdict == r.Verdict && f.Reason == r.Reason, $"{name} ({f.Description}): expected {f.Verdict}/{f.Reason}, got {r.Verdict}/{r.Reason}");
        if (f.Expected is not null)
        {
            string? diff = HexDiff.Describe(f.Expected, buffer.AsSpan(r.Offset, r.Length));
            Assert.True(diff is null, $"{name} ({f.Description}): {diff}");
            Assert.Equal(f.Egress, r.EgressInterfaceIndex);
        }

        if (f.Verdict == Verdict.Drop)
        {
            Assert.Equal(1, processor.Counters.GetDrops(f.Reason));
        }
    }

    internal static ForwardResult Run(L4Processor processor, byte[] frame, int headroom, out byte[] buffer)
    {
        buffer = new byte[headroom + frame.Length + 64];
        frame.CopyTo(buffer, headroom);
        return processor.Process(buffer, headroom, frame.Length, TestEnvironment.ClientInterface);
    }
}
