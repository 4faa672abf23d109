using LoadBalancer.Modes.Tests.Fuzz;
using System.Text;
using LoadBalancer.Balancer.Configuration;

namespace LoadBalancer.Balancer.Tests.Fuzz;

public class ConfigCorpusReplayTests
{
    public static IEnumerable<object[]> CorpusFiles() => CorpusDirectory.Files("config").Select(f => new object[] { f });

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Run_CorpusFile_LoadsOrReportsErrorsWithoutThrowing(string name)
    {
        ConfigLoadResult result = ConfigHarness.Run(File.ReadAllBytes(CorpusDirectory.PathOf("config", name)));
        Assert.True(result.IsValid || result.Errors.Count > 0, name);
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
