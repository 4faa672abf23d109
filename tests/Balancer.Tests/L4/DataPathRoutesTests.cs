using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.L4.Engine;
using LoadBalancer.Health;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>How data-path probe routes are numbered: each backend keeps its firewall mark and table across reloads.</summary>
public sealed class DataPathRoutesTests
{
    private static readonly Dictionary<string, HealthPoolConfig> Health = new()
    {
        ["web"] = new HealthPoolConfig { Check = new HealthCheckOptions { Probe = "datapath" } },
        ["dns"] = new HealthPoolConfig { Check = new HealthCheckOptions { Probe = "datapath" } },
    };

    private static readonly Dictionary<string, int> Ports = new() { ["web"] = 80, ["dns"] = 53, ["other"] = 8080 };

    private static L4Settings Config(params (string Service, string[] Backends)[] services) => Config("dsr", services);

    private static L4Settings Config(string mode, params (string Service, string[] Backends)[] services) => L4Settings.Parse(new()
    {
        Services = services.ToDictionary(
            s => s.Service,
            s => new L4ServiceConfig
            {
                Vip = "10.0.0.100", Port = Ports[s.Service], Mode = mode,
                Backends = s.Backends.ToDictionary(b => b, b => new L4BackendConfig { Address = "10.0.1." + b[1..] }),
            }),
        Interface = "eth0",
    });

    [Fact]
    public void Plan_BackendAdded_OthersKeepTheirMarksAndTables()
    {
        var first = DataPathRoutes.Plan(Config(("web", ["b2", "b5"])), Health, new Dictionary<(string, string), DataPathRoutes.Route>());
        // b1 sorts before the others: numbering by position would move b2 and b5.
        var second = DataPathRoutes.Plan(Config(("web", ["b1", "b2", "b5"])), Health, first);

        Assert.Equal(first[("web", "b2")], second[("web", "b2")]);
        Assert.Equal(first[("web", "b5")], second[("web", "b5")]);
        Assert.Equal(3, second.Values.Select(r => r.Mark).Distinct().Count());
        Assert.Equal(3, second.Values.Select(r => r.Table).Distinct().Count());
    }

    [Fact]
    public void Plan_BackendRemovedThenAnotherAdded_ReusesTheFreedNumberOnly()
    {
        var first = DataPathRoutes.Plan(Config(("web", ["b1", "b2"]), ("dns", ["b3"])), Health, new Dictionary<(string, string), DataPathRoutes.Route>());
        var removed = DataPathRoutes.Plan(Config(("web", ["b2"]), ("dns", ["b3"])), Health, first);
        var added = DataPathRoutes.Plan(Config(("web", ["b2", "b4"]), ("dns", ["b3"])), Health, removed);

        Assert.Equal(first[("web", "b2")], added[("web", "b2")]);
        Assert.Equal(first[("dns", "b3")], added[("dns", "b3")]);
        Assert.Equal(first[("web", "b1")].Table, added[("web", "b4")].Table);
        Assert.Equal(3, added.Values.Select(r => r.Mark).Distinct().Count());
    }

    [Fact]
    public void Plan_ServiceWithoutDataPathCheck_GetsNoRoute()
    {
        var plan = DataPathRoutes.Plan(Config(("other", ["b1"]), ("web", ["b2"])), Health, new Dictionary<(string, string), DataPathRoutes.Route>());

        Assert.Equal([("web", "b2")], plan.Keys);
    }

    [Theory]
    [InlineData("tunnel", true)]
    [InlineData("ipip", true)]
    [InlineData("dsr", false)]
    [InlineData("nat", null)]
    public void Plan_Mode_TunnelRoutesGoThroughTheProbeDevice(string mode, bool? tunnel)
    {
        var plan = DataPathRoutes.Plan(Config(mode, ("web", ["b1", "b2"])), Health, new Dictionary<(string, string), DataPathRoutes.Route>());

        if (tunnel is null)
        {
            Assert.Empty(plan);
        }
        else
        {
            Assert.Equal(2, plan.Count);
            Assert.All(plan.Values, r => Assert.Equal(tunnel, r.Tunnel));
        }
    }

    [Theory]
    [InlineData("dsr", false)]
    [InlineData("tunnel", true)]
    public void Plan_Ipv6Service_RoutesUseTheIpv6Addresses_TunnelOnesThroughTheProbeDevice(string mode, bool tunnel)
    {
        var config = L4Settings.Parse(new()
        {
            Services = new Dictionary<string, L4ServiceConfig>
            {
                ["web"] = new()
                {
                    Vip = "fd00:200::100", Port = 80, Mode = mode, TunnelSource = mode == "tunnel" ? "fd00:200::2" : null,
                    Backends = new Dictionary<string, L4BackendConfig> { ["b1"] = new() { Address = "fd00:200::11" }, ["b2"] = new() { Address = "fd00:200::12" } },
                },
            },
            Interface = "eth0",
        });

        var plan = DataPathRoutes.Plan(config, Health, new Dictionary<(string, string), DataPathRoutes.Route>());

        Assert.Equal(2, plan.Count);
        Assert.All(plan.Values, r => Assert.True(r.IsIpv6 && r.Tunnel == tunnel && r.Vip == "fd00:200::100" && r.Backend.StartsWith("fd00:200::1", StringComparison.Ordinal), r.ToString()));
    }
}
