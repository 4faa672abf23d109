using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Tests.Pipeline;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Modes.Tests.Fuzz;

public class PacketCorpusReplayTests
{
    public static IEnumerable<object[]> CorpusFiles() => CorpusDirectory.Files("packet").Select(f => new object[] { f });

    [Fact]
    public void Corpus_HasSeedsAndRegressionCases()
    {
        string[] files = [.. CorpusDirectory.Files("packet")];
        Assert.True(files.Length >= GoldenFixtures.All.Count, $"only {files.Length} packet corpus files for {GoldenFixtures.All.Count} golden fixtures");
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Run_CorpusFile_GivesAVerdictPerFrameAndKeepsTheBufferOutsideTheFrame(string name)
    {
        byte[] data = File.ReadAllBytes(CorpusDirectory.PathOf("packet", name));
        IReadOnlyList<ForwardResult> results = PacketHarness.Run(data);
        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.True(Enum.IsDefined(r.Verdict) && (r.Verdict != Verdict.Drop || r.Reason != DropReason.None), r.ToString()));
    }

    [Fact]
    public void Run_GoldenSeed_GivesTheFixtureVerdict()
    {
        // The harness runs the same processor as the golden tests, so a seed's last verdict is the fixture's.
        foreach (GoldenFixture f in GoldenFixtures.All.Values)
        {
            IReadOnlyList<ForwardResult> results = PacketHarness.Run(PacketHarness.Encode(PacketHarness.ControlFor(f), [.. f.Prelude, f.Input]));
            Assert.Equal(f.Prelude.Length + 1, results.Count);
            Assert.True(results[^1].Verdict == f.Verdict && results[^1].Reason == f.Reason, $"{f.Name}: expected {f.Verdict}/{f.Reason}, got {results[^1]}");
        }
    }

    [Fact]
    public void Run_TunnelFrameWithoutHeadroomInTightSpan_DropsInsteadOfWritingOutside()
    {
        GoldenFixture tunnel = GoldenFixtures.All.Values.First(f => f.Name.StartsWith("tunnel", StringComparison.Ordinal) && f.Verdict == Verdict.Tx);

        // Control 0x90: tight span, no headroom; the outer header does not fit.
        IReadOnlyList<ForwardResult> results = PacketHarness.Run(PacketHarness.Encode(0x90, [.. tunnel.Prelude, tunnel.Input]));
        Assert.Equal(Verdict.Drop, results[^1].Verdict);
    }

    [Fact]
    public void Run_EmptyAndOneByteInputs_DoNotThrow()
    {
        Assert.Empty(PacketHarness.Run([]));
        Assert.Equal(Verdict.Drop, Assert.Single(PacketHarness.Run([0x80, 0x01])).Verdict);
    }

    [Theory]
    [InlineData(PacketHarness.Guard - 1)]
    [InlineData(PacketHarness.Guard + 20 + 60)]
    public void CheckGuards_ByteChangedOutsideTheAllowedWindow_Throws(int at)
    {
        byte[] buffer = PacketHarness.NewBuffer(new byte[60], 20, out int frameStart);
        PacketHarness.CheckGuards(buffer, frameStart - 20, frameStart + 60, "test");
        buffer[at] ^= 0xFF;
        Assert.Throws<HarnessFailureException>(() => PacketHarness.CheckGuards(buffer, frameStart - 20, frameStart + 60, "test"));
    }
}
