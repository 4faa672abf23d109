using LoadBalancer.TestSupport;

namespace LoadBalancer.Modes.Tests.Fuzz;

/// <summary>Replays the `proxy` fuzz corpus through the same harness the fuzzer runs.</summary>
public class ProxyHeaderCorpusReplayTests
{
    public static IEnumerable<object[]> CorpusFiles() => CorpusDirectory.Files("proxy").Select(f => new object[] { f });

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Run_CorpusFile_KeepsTheParsersContract(string name) =>
        ProxyHeaderHarness.Run(File.ReadAllBytes(CorpusDirectory.PathOf("proxy", name)));

    [Fact]
    public void Corpus_ReachesEveryOutcome()
    {
        var outcomes = CorpusDirectory.Files("proxy").Select(n => ProxyHeaderHarness.Run(File.ReadAllBytes(CorpusDirectory.PathOf("proxy", n)))).ToHashSet();

        foreach (var expected in new[] { "Complete/v1", "Complete/v1/local", "Complete/v2", "Complete/v2/local", "Incomplete",
            "Invalid/BadSignature", "Invalid/Malformed", "Invalid/TooLong" })
        {
            Assert.Contains(expected, outcomes);
        }
    }

    [Fact]
    public void Run_BrokenInvariant_IsReported()
    {
        // The harness can fail: a header claimed longer than its input breaks the contract check.
        Assert.Equal("Complete/v1/local", ProxyHeaderHarness.Run("PROXY UNKNOWN\r\n"u8.ToArray()));
        Assert.Throws<HarnessFailureException>(() => ProxyHeaderHarness.RunChecked([1], LoadBalancer.Modes.ProxyProtocol.ProxyParseStatus.Complete,
            new LoadBalancer.Modes.ProxyProtocol.ProxyHeader { Length = 5, Version = 1 }));
    }
}
