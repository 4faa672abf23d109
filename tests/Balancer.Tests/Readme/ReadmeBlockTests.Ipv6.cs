using System.Security.Cryptography;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Lab;

namespace LoadBalancer.Balancer.Tests.Readme;

public sealed partial class ReadmeBlockTests
{
    [SkippableTheory]
    [InlineData("dsr")]
    [InlineData("nat")]
    [InlineData("fullnat")]
    [InlineData("tunnel")]
    public async Task L4Ipv6_EachMode_BothBackendsAnswerThroughTheIpv6Vip(string mode)
    {
        var readme = ReadmeDocument.Load();
        var block = readme.Shell("l4-ipv6").Text;
        Assert.Contains("--mode dsr --family 6", block, StringComparison.Ordinal);
        Assert.Contains("`dsr` replaced by `nat`, `fullnat` or `tunnel`", readme.Text, StringComparison.Ordinal);
        Skip.IfNot(File.Exists(Path.Combine(ReadmeDocument.RepoRoot, "src/Balancer/bin/Release/net10.0/balancer.dll")), "balancer is not built in the repository (dotnet build -c Release src/Balancer)");
        var script = block.Replace("--mode dsr", $"--mode {mode}", StringComparison.Ordinal);
        var expectedSha = Convert.ToHexStringLower(SHA256.HashData(LabTopology.LargeFileContent()));

        int code;
        string output;
        using (ReadmeLab.Acquire())
        {
            (code, output) = await ShellProcess.RunAsync(script, BlockTimeout);
            Assert.Empty(ReadmeLab.Namespaces());
        }

        Assert.True(code == 0, $"exit {code}; output:\n{output}");
        var counts = UniqCount().Matches(output).ToDictionary(m => m.Groups[2].Value, m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(counts.Keys.Order().SequenceEqual(["b1", "b2"]), $"both backends answer through the IPv6 VIP; output:\n{output}");
        Assert.Equal(20, counts.Values.Sum());
        Assert.Contains($"{expectedSha}  -\n", output, StringComparison.Ordinal);
        Assert.Matches(new Regex("removed namespace lblab-lb"), output);
    }
}
