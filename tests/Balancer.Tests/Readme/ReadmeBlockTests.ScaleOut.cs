using System.Globalization;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Lab;

namespace LoadBalancer.Balancer.Tests.Readme;

// The "Several balancers" block: two balancers behind the lab's BIRD router, both carrying flows, one drained.
public sealed partial class ReadmeBlockTests
{
    [SkippableFact]
    public async Task SeveralBalancers_TwoBehindTheRouter_BothCarryFlowsAndDrainNodeWithdraws()
    {
        var block = ReadmeDocument.Load().Shell("scale-out").Text;
        Skip.IfNot(File.Exists(Path.Combine(ReadmeDocument.RepoRoot, "src/Balancer/bin/Release/net10.0/balancer.dll")), "balancer is not built in the repository (dotnet build -c Release src/Balancer)");
        Skip.If(LabWebServer.FindOnPath("bird") is null, "needs BIRD 2 (apt-get install -y bird2; tests/run.sh installs it)");

        int code;
        string output;
        using (ReadmeLab.Acquire())
        {
            (code, output) = await ShellProcess.RunAsync(block, BlockTimeout);
            Assert.Empty(ReadmeLab.Namespaces());
        }

        Assert.True(code == 0, $"exit {code}; output:\n{output}");
        Assert.Contains("nexthop via 10.200.0.201 dev eth0", output, StringComparison.Ordinal);
        Assert.Contains("nexthop via 10.200.0.202 dev eth0", output, StringComparison.Ordinal);
        var flows = NewFlows().Matches(output).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, flows.Count);
        Assert.All(flows, f => Assert.True(f > 0, $"a balancer carried no flow; output:\n{output}"));
        Assert.Contains("10.200.0.100 via 10.200.0.202 dev eth0 proto bird", output, StringComparison.Ordinal);
        Assert.EndsWith("\n1\n", output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task SeveralBalancersIpv6_TwoBehindTheRouter_EcmpRouteToVip6BothBackendsAnswerAndDrainNodeWithdraws()
    {
        var block = ReadmeDocument.Load().Shell("scale-out-ipv6").Text;
        Assert.Contains("--balancers 2 --family 6", block, StringComparison.Ordinal);
        Skip.IfNot(File.Exists(Path.Combine(ReadmeDocument.RepoRoot, "src/Balancer/bin/Release/net10.0/balancer.dll")), "balancer is not built in the repository (dotnet build -c Release src/Balancer)");
        Skip.If(LabWebServer.FindOnPath("bird") is null, "needs BIRD 2 (apt-get install -y bird2; tests/run.sh installs it)");

        int code;
        string output;
        using (ReadmeLab.Acquire())
        {
            (code, output) = await ShellProcess.RunAsync(block, BlockTimeout);
            Assert.Empty(ReadmeLab.Namespaces());
        }

        Assert.True(code == 0, $"exit {code}; output:\n{output}");
        Assert.Contains("nexthop via fd00:200::201 dev eth0", output, StringComparison.Ordinal);
        Assert.Contains("nexthop via fd00:200::202 dev eth0", output, StringComparison.Ordinal);
        var counts = UniqCount().Matches(output).ToDictionary(m => m.Groups[2].Value, m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.True(counts.Keys.Order().SequenceEqual(["b1", "b2"]), $"both backends answer through the IPv6 VIP; output:\n{output}");
        Assert.Equal(20, counts.Values.Sum());
        Assert.Contains("fd00:200::100 via fd00:200::202 dev eth0 proto bird", output, StringComparison.Ordinal);
        Assert.EndsWith("\n1\n", output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^lb_l4_new_flows_total (\S+)$", RegexOptions.Multiline)]
    private static partial Regex NewFlows();
}
