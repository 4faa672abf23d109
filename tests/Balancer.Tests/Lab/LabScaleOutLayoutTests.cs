using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.Lab;

/// <summary>The lab with several balancers behind a router: its documented addresses, and NAT refused with a message.</summary>
public sealed class LabScaleOutLayoutTests
{
    [Fact]
    public void For_ThreeBalancers_RouterInFrontAndEachBalancerItsOwnAddressAndFullNatSource()
    {
        var layout = LabLayout.For(new LabOptions("x", 2, LabMode.Dsr) { Balancers = 3 });

        Assert.Equal("10.200.0.1", layout.Router!.Address.ToString());
        Assert.Equal("x-r", layout.Router.Namespace);
        Assert.Equal(["x-lb1", "x-lb2", "x-lb3"], layout.Balancers.Select(b => b.Namespace));
        Assert.Equal(["10.200.0.201", "10.200.0.202", "10.200.0.203"], layout.Balancers.Select(b => b.Address.ToString()));
        Assert.Equal(3, layout.Balancers.Select(b => b.Mac).Distinct().Count());
        Assert.Equal("10.200.0.222", LabLayout.FullNatSourceOf(2).ToString());
        Assert.Contains("x-r", layout.Namespaces);
        Assert.Equal("x-sw", layout.Namespaces.Last());
    }

    [Fact]
    public void For_OneBalancer_LayoutUnchanged()
    {
        var layout = LabLayout.For(new LabOptions("x"));

        Assert.Null(layout.Router);
        Assert.Equal("x-lb", Assert.Single(layout.Balancers).Namespace);
        Assert.Equal("10.200.0.2", layout.Balancer.Address.ToString());
        Assert.DoesNotContain("x-r", layout.Namespaces);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public void Constructor_BalancersOutOfRange_Throws(int balancers) =>
        Assert.Throws<ArgumentException>(() => new LabTopology(new LabOptions("x") { Balancers = balancers }));

    [Fact]
    public async Task LabUp_NatWithBalancers_RefusedWithAMessage()
    {
        var result = await BalancerProcess.RunAsync(TimeSpan.FromSeconds(60), "lab", "up", "--mode", "nat", "--balancers", "2", "--name", "lbsxnat");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--mode nat cannot run with --balancers", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("use dsr, tunnel or fullnat", result.Stderr, StringComparison.Ordinal);
    }
}
