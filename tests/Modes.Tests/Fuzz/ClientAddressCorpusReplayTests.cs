using LoadBalancer.TestSupport;

namespace LoadBalancer.Modes.Tests.Fuzz;

/// <summary>Replays the `client-address` fuzz corpus through the same harness the fuzzer runs.</summary>
public class ClientAddressCorpusReplayTests
{
    public static IEnumerable<object[]> CorpusFiles() => CorpusDirectory.Files("client-address").Select(f => new object[] { f });

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Run_CorpusFile_KeepsTheContract(string name) =>
        ClientAddressOptionHarness.Run(File.ReadAllBytes(CorpusDirectory.PathOf("client-address", name)));

    [Fact]
    public void Corpus_ReachesEveryOutcome()
    {
        var outcomes = CorpusDirectory.Files("client-address")
            .Select(n => ClientAddressOptionHarness.Run(File.ReadAllBytes(CorpusDirectory.PathOf("client-address", n)))).ToHashSet();

        foreach (var expected in new[] { "Found/Replaced", "Absent/Added", "Absent/NoOptionSpace", "Absent/SynPayload", "Malformed/not-syn", "Absent/not-syn" })
        {
            Assert.Contains(expected, outcomes);
        }
    }

    [Fact]
    public void Run_BrokenInvariant_IsReported()
    {
        // The harness can fail: an address the input does not hold breaks the contract check.
        Assert.Throws<HarnessFailureException>(() => ClientAddressOptionHarness.CheckFound([254, 10, 0x4C, 0x42, 0, 80, 1, 2, 3, 4], 0x01020305, 80));
        ClientAddressOptionHarness.CheckFound([254, 10, 0x4C, 0x42, 0, 80, 1, 2, 3, 4], 0x01020304, 80);
    }
}
