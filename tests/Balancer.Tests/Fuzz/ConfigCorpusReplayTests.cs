using LoadBalancer.TestSupport;
using System.Text;
using LoadBalancer.Balancer.Configuration;

namespace LoadBalancer.Balancer.Tests.Fuzz;

public class ConfigCorpusReplayTests
{
    public static IEnumerable<object[]> CorpusFiles() => CorpusDirectory.Files("config").Select(f => new object[] { f });

    // What each corpus file must give: "valid", or the key (path) of its first error. Regenerate after a deliberate
    // change with LB_UPDATE_CORPUS_EXPECTED=1 and review the diff: a changed line is a changed behaviour.
    private static readonly string s_expectedPath = Path.Combine(CorpusDirectory.Of("config"), "..", "..", "expected", "config.tsv");

    private static Dictionary<string, string> Expected() =>
        File.ReadAllLines(s_expectedPath).Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('\t', 2)).ToDictionary(p => p[0], p => p[1]);

    private static string Outcome(string name)
    {
        ConfigLoadResult result = ConfigHarness.Run(File.ReadAllBytes(CorpusDirectory.PathOf("config", name)));
        return result.IsValid ? "valid" : "error " + result.Errors[0].Path;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Run_CorpusFile_GivesItsExpectedOutcome(string name)
    {
        Assert.True(Expected().TryGetValue(name, out string? expected), $"{name} is not in {s_expectedPath}");
        Assert.Equal(expected, Outcome(name));
    }

    [Fact]
    public void ExpectedOutcomes_ListExactlyTheCorpus()
    {
        if (Environment.GetEnvironmentVariable("LB_UPDATE_CORPUS_EXPECTED") == "1")
        {
            File.WriteAllLines(s_expectedPath, new[] { "# corpus file<TAB>valid | error <key of the first error>" }
                .Concat(CorpusDirectory.Files("config").Select(n => $"{n}\t{Outcome(n)}")));
        }

        Assert.Equal(CorpusDirectory.Files("config"), Expected().Keys.Order(StringComparer.Ordinal));
        Assert.Contains("valid", Expected().Values);
        Assert.True(Expected().Values.Count(v => v != "valid") > 10, "the corpus should hold many invalid configs");
    }

    [Theory]
    [InlineData("seed-demo.json")]
    [InlineData("seed-l7.json")]
    [InlineData("seed-l4.json")]
    [InlineData("seed-l4-nat.json")]
    [InlineData("seed-l4-fullnat.json")]
    [InlineData("seed-l4-tunnel.json")]
    [InlineData("seed-l4-dsr.json")]
    public void Run_ExampleConfigSeed_IsValid(string name)
    {
        ConfigLoadResult result = ConfigHarness.Run(File.ReadAllBytes(CorpusDirectory.PathOf("config", name)));
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
    }

    [Theory]
    [InlineData("{\"Balancer\": {}, \"Balancer\": {}}")]
    [InlineData("{\"Balancer\": {\"Admin\": {\"Url\": \"http://127.0.0.1:1\", \"Url\": \"http://127.0.0.1:2\"}}}")]
    public void Run_DuplicateKey_IsReportedAsInvalidJson(string json)
    {
        ConfigLoadResult result = ConfigHarness.Run(Encoding.UTF8.GetBytes(json));
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Message.Contains("not valid JSON", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1e309ms")]
    [InlineData("1e300s")]
    [InlineData("-1e300h")]
    [InlineData("NaNs")]
    public void Run_DurationOutOfRange_IsReportedOnItsKey(string duration)
    {
        ConfigLoadResult result = ConfigHarness.Run(Encoding.UTF8.GetBytes($"{{\"Balancer\": {{\"Limits\": {{\"BackendTimeout\": \"{duration}\"}}}}}}"));
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path.Contains("BackendTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public void Corpus_HasRegressionCases()
    {
        Assert.Contains(CorpusDirectory.Files("config"), f => f.StartsWith("crash-", StringComparison.Ordinal));
    }
}
