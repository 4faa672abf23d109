using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.Fuzz;

/// <summary>The `http1` fuzz target's corpus, replayed as the fuzzer runs it: no input breaks an invariant of the fast path's parsers.</summary>
public class Http1CorpusReplayTests
{
    public static IEnumerable<object[]> CorpusFiles() => CorpusDirectory.Files("http1").Select(f => new object[] { f });

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Run_CorpusFile_KeepsTheInvariants(string name)
    {
        var outcome = Http1Harness.Run(File.ReadAllBytes(CorpusDirectory.PathOf("http1", name)));
        Assert.False(string.IsNullOrEmpty(outcome));
    }

    [Theory]
    [InlineData("case-get.txt", "request-forward response-rejected chunked-malformed")]
    [InlineData("case-post.txt", "request-body response-rejected chunked-malformed")]
    [InlineData("case-handover.txt", "request-handover response-rejected chunked-malformed")]
    [InlineData("case-response.txt", "request-handover response-ContentLength chunked-malformed")]
    [InlineData("case-response-chunked.txt", "request-handover response-Chunked chunked-malformed")]
    [InlineData("case-response-10.txt", "request-handover response-None chunked-malformed")]
    [InlineData("case-chunked-body.txt", "request-handover response-rejected chunked-done")]
    [InlineData("case-chunked-bad.txt", "incomplete chunked-malformed")]
    public void Run_HandWrittenCase_GivesItsOutcome(string name, string expected)
    {
        Assert.Equal(expected, Http1Harness.Run(File.ReadAllBytes(CorpusDirectory.PathOf("http1", name))));
    }
}
