using System.Security.Cryptography;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Tests.Readme;

/// <summary>
/// Every <c>sh</c> block of README.md, read from the file at test time and run by bash exactly as written (in the
/// repository root), with the result the README promises asserted. Blocks the tests do not run are fenced
/// <c>```sh no-test</c>, and that set is checked too.
/// </summary>
[Collection(ReadmeCollection.Name)]
public sealed partial class ReadmeBlockTests
{
    /// <summary>Every tag of a block these tests run; a new block needs a test (or <c>no-test</c>).</summary>
    private static readonly string[] TestedTags = ["demo", "demo-client", "check", "l4", "l4-ipv6", "backend-setup", "publish", "publish-aot", "scale-out", "scale-out-ipv6"];

    private static readonly TimeSpan BlockTimeout = TimeSpan.FromMinutes(4);

    // The L4 block starts with `dotnet build -c Release src/Balancer`; after one real build per test run the later runs
    // skip that one command (and only it) with this function, so four modes do not pay four incremental builds.
    private const string BuildOnce =
        "dotnet() { if [ \"$*\" = \"build -c Release src/Balancer\" ]; then echo '(built once already in this test run)'; return 0; fi; command dotnet \"$@\"; }\n";

    private static bool _built;

    [Fact]
    public void ShellBlocks_AreEachTestedOrMarkedNoTest()
    {
        var readme = ReadmeDocument.Load();
        var shell = readme.ShellBlocks.ToList();
        Assert.All(shell, b => Assert.False(string.IsNullOrEmpty(b.Tag), $"```sh block at README.md:{b.Line} has no tag (a test id or no-test)"));
        Assert.Equal(TestedTags.Order(), shell.Where(b => b.Tag != ReadmeDocument.NoTest).Select(b => b.Tag).Order());

        // Exactly these are not run: the whole suite (it is what runs this), installing as a service (changes the
        // machine: users, /usr/local, systemd) and the benchmarks (16 minutes, meaningless on a shared machine).
        var skipped = shell.Where(b => b.Tag == ReadmeDocument.NoTest).Select(b => b.Text).ToList();
        Assert.Equal(3, skipped.Count);
        Assert.Single(skipped, t => t == "bash tests/run.sh\n");
        Assert.Single(skipped, t => t.Contains("systemctl enable", StringComparison.Ordinal));
        Assert.Single(skipped, t => t.StartsWith("sudo bench/run-e2e.sh", StringComparison.Ordinal));

        // The set-up section keeps exactly two commands.
        Assert.Equal("dotnet run -c Release --project src/Balancer\n", readme.Shell("demo").Text);
    }

    [SkippableFact]
    public async Task Check_BadFile_PrintsWhatTheReadmeShows()
    {
        var readme = ReadmeDocument.Load();
        var block = readme.Shell("check");
        var expected = readme.After(block);
        Assert.Equal("text", expected.Language);
        Skip.IfNot(File.Exists(Path.Combine(ReadmeDocument.RepoRoot, "src/Balancer/bin/Release/net10.0/balancer.dll")), "balancer is not built in the repository (dotnet build -c Release src/Balancer)");

        var (code, output) = await ShellProcess.RunAsync(block.Text, BlockTimeout);

        Assert.Equal(0, code);
        Assert.Equal(expected.Text, output);
    }

    [SkippableTheory]
    [InlineData("dsr")]
    [InlineData("nat")]
    [InlineData("fullnat")]
    [InlineData("tunnel")]
    public async Task L4InFiveMinutes_EachMode_BothBackendsAnswerThroughTheVip(string mode)
    {
        var readme = ReadmeDocument.Load();
        var block = readme.Shell("l4").Text;
        // The README says the other modes run this block with dsr replaced in these two places.
        Assert.Contains("--mode dsr", block, StringComparison.Ordinal);
        Assert.Contains("configs/l4-dsr.json", block, StringComparison.Ordinal);
        Assert.Contains("replaced in both places (`--mode dsr` and `configs/l4-dsr.json`)", readme.Text, StringComparison.Ordinal);
        var script = block.Replace("--mode dsr", $"--mode {mode}", StringComparison.Ordinal)
            .Replace("configs/l4-dsr.json", $"configs/l4-{mode}.json", StringComparison.Ordinal);
        var expectedSha = Convert.ToHexStringLower(SHA256.HashData(LabTopology.LargeFileContent()));
        Assert.Contains(expectedSha, block, StringComparison.Ordinal);

        int code;
        string output;
        using (ReadmeLab.Acquire())
        {
            (code, output) = await ShellProcess.RunAsync(script, BlockTimeout, prelude: _built ? BuildOnce : "");
            _built |= code == 0;
            Assert.Empty(ReadmeLab.Namespaces());
        }

        Assert.True(code == 0, $"exit {code}; output:\n{output}");
        var counts = UniqCount().Matches(output).ToDictionary(m => m.Groups[2].Value, m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(counts.Keys.Order().SequenceEqual(["b1", "b2"]), $"both backends answer through the VIP; output:\n{output}");
        Assert.Equal(20, counts.Values.Sum());
        Assert.Contains($"{expectedSha}  -\n", output, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Count(output, "\"health\": \"Healthy\""));
        Assert.Contains("removed namespace lblab-lb", output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task BackendSetup_Check_ReadyInALabBackendAndNotInTheBalancer()
    {
        var block = ReadmeDocument.Load().Shell("backend-setup").Text;
        Skip.IfNot(File.Exists(Path.Combine(ReadmeDocument.RepoRoot, "src/Balancer/bin/Release/net10.0/balancer.dll")), "balancer is not built in the repository (dotnet build -c Release src/Balancer)");

        int code;
        string output;
        using (ReadmeLab.Acquire())
        {
            (code, output) = await ShellProcess.RunAsync(block, BlockTimeout);
            Assert.Empty(ReadmeLab.Namespaces());
        }

        Assert.True(code == 0, $"exit {code}; output:\n{output}");
        var parts = output.Split("exit ");
        Assert.Equal(3, parts.Length);
        Assert.StartsWith("0\n", parts[1], StringComparison.Ordinal);
        Assert.StartsWith("1\n", parts[2], StringComparison.Ordinal);
        Assert.DoesNotContain("MISSING", parts[0], StringComparison.Ordinal);
        Assert.Contains("ok       VIP 10.200.0.100/32 on lo", parts[0], StringComparison.Ordinal);
        Assert.Contains("MISSING  VIP 10.200.0.100/32 on lo", parts[1], StringComparison.Ordinal);
        Assert.Contains("fix: ip addr add 10.200.0.100/32 dev lo", parts[1], StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Demo_AnswersInTurnFromTheFirstRequest_AndTheAdminCommandsWork()
    {
        var readme = ReadmeDocument.Load();
        Skip.If(LabWebServer.FindOnPath("curl") is null, "needs curl");
        // As root the demo gets a namespace of its own, so its fixed ports 8080 and 9100 cannot clash with anything.
        using var ns = NetworkNamespace.IsRoot ? ReadmeNamespace.Create("d") : null;
        using var demo = ShellProcess.Start(readme.Shell("demo").Text, ns?.Name);
        await demo.WaitForLineAsync(l => l.StartsWith("Ctrl+C stops it.", StringComparison.Ordinal), BlockTimeout);

        var (code, output) = await ShellProcess.RunAsync(readme.Shell("demo-client").Text, BlockTimeout, ns?.Name);

        AssertDemoClient(code, output, demo.Output);
    }

    /// <summary>What the README's demo-client block must print against a fresh demo: round robin, the metrics, drain and ready.</summary>
    internal static void AssertDemoClient(int code, string output, string demoOutput)
    {
        Assert.True(code == 0, $"exit {code}; output:\n{output}\ndemo:\n{demoOutput}");
        var lines = output.Split('\n');
        string[] names = ["alpha", "beta", "gamma"];
        // Six in turn, then (beta drained) four over alpha and gamma only.
        Assert.Equal(["alpha", "beta", "gamma", "alpha", "beta", "gamma", "alpha", "gamma", "alpha", "gamma"], lines.Where(names.Contains));
        Assert.Equal(names, lines[..6].Distinct());
        var metrics = lines.Where(l => l.StartsWith("lb_http_requests_total{", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, metrics.Count);
        Assert.All(metrics, m => Assert.Matches("code=\"2xx\".* 2$", m));
        Assert.Equal("3", lines.Where(l => l.Length > 0).Last());
        Assert.DoesNotContain("warning", demoOutput, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s*(\d+) (b\d+)$", RegexOptions.Multiline)]
    private static partial Regex UniqCount();
}
