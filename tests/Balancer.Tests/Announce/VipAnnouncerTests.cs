using System.Collections.Immutable;
using System.Net;
using LoadBalancer.Balancer.Announce;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Health;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoadBalancer.Balancer.Tests.Announce;

/// <summary>Which VIPs are announced for a config, the backends' state and the node's drain flag, and what reaches the route table.</summary>
public sealed class VipAnnouncerTests
{
    private sealed class FakeRoutes : IVipRoutes
    {
        public List<string> Calls { get; } = [];
        public HashSet<string> Present { get; } = [];
        public bool Disposed { get; private set; }

        public void Add(IPAddress vip)
        {
            Calls.Add($"+{vip}");
            Present.Add(vip.ToString());
        }

        public void Remove(IPAddress vip)
        {
            Calls.Add($"-{vip}");
            Present.Remove(vip.ToString());
        }

        public void Dispose() => Disposed = true;
    }

    private static L4ServiceConfig Service(string vip, int port, bool? announce = null) => new()
    {
        Vip = vip, Port = port, Mode = "dsr", Announce = announce,
        Backends = new Dictionary<string, L4BackendConfig> { ["b1"] = new() { Address = "10.0.0.11" } },
    };

    private static L4Settings Config(bool enabled, params (string Name, L4ServiceConfig Service)[] services) => L4Settings.Parse(new L4Config
    {
        Interface = "eth0",
        Announce = new L4AnnounceConfig { Enabled = enabled },
        Services = services.ToDictionary(s => s.Name, s => s.Service),
    });

    private static BackendView Backend(string id, bool acceptsNew) =>
        new(id, "10.0.0.11:80", acceptsNew ? HealthState.Healthy : HealthState.Unhealthy, AdminState.Ready, 1, null, acceptsNew ? 1 : 0, acceptsNew, null);

    private static HealthSnapshot Snapshot(long version, params (string Pool, bool AcceptsNew)[] pools) =>
        new(version, DateTimeOffset.UnixEpoch, pools.ToDictionary(p => p.Pool, p => ImmutableArray.Create(Backend("b1", p.AcceptsNew))));

    [Fact]
    public void Plan_HealthyServiceEnabled_Announced()
    {
        var plan = VipAnnouncer.Plan(Config(true, ("web", Service("10.0.0.100", 80))), Snapshot(1, ("web", true)), draining: false);

        var vip = Assert.Single(plan);
        Assert.Equal(new[] { "web" }, vip.Services);
        Assert.True(vip.Announced);
        Assert.Equal(VipAnnouncer.AnnouncedReason, vip.Reason);
    }

    [Fact]
    public void Plan_NoBackendTakesNewFlows_Withdrawn()
    {
        var plan = VipAnnouncer.Plan(Config(true, ("web", Service("10.0.0.100", 80))), Snapshot(1, ("web", false)), draining: false);

        Assert.False(Assert.Single(plan).Announced);
        Assert.Equal(VipAnnouncer.NoBackendReason, plan[0].Reason);
    }

    [Fact]
    public void Plan_Draining_EveryVipWithdrawn()
    {
        var config = Config(true, ("web", Service("10.0.0.100", 80)), ("dns", Service("10.0.0.101", 53)));

        var plan = VipAnnouncer.Plan(config, Snapshot(1, ("web", true), ("dns", true)), draining: true);

        Assert.Equal(2, plan.Count);
        Assert.All(plan, v => Assert.Equal((false, VipAnnouncer.DrainingReason), (v.Announced, v.Reason)));
    }

    [Fact]
    public void Plan_ServiceOverride_WinsOverSection()
    {
        var config = Config(false, ("web", Service("10.0.0.100", 80, announce: true)), ("other", Service("10.0.0.101", 80)));

        var plan = VipAnnouncer.Plan(config, Snapshot(1, ("web", true), ("other", true)), draining: false);

        Assert.Equal([("10.0.0.100", true), ("10.0.0.101", false)], plan.Select(v => (v.Vip, v.Announced)));
        Assert.Equal(VipAnnouncer.OffReason, plan[1].Reason);
    }

    [Fact]
    public void Plan_TwoServicesOnOneVip_AnnouncedWhileEitherHasABackend()
    {
        var config = Config(true, ("web", Service("10.0.0.100", 80)), ("udp", Service("10.0.0.100", 53)));

        var plan = VipAnnouncer.Plan(config, Snapshot(1, ("web", false), ("udp", true)), draining: false);

        var vip = Assert.Single(plan);
        Assert.True(vip.Announced);
        Assert.Equal(["udp", "web"], vip.Services);
    }

    [Fact]
    public void Announcer_HealthDrainReadyDispose_WritesExactlyTheChanges()
    {
        var routes = new FakeRoutes();
        var opened = 0;
        var config = Config(true, ("web", Service("10.0.0.100", 80)));
        using (var announcer = new VipAnnouncer(config, Snapshot(1, ("web", false)), _ => { opened++; return routes; }, NullLogger.Instance))
        {
            Assert.Equal(1, opened); // opened at start (a stale table is cleaned then), nothing announced yet
            Assert.Empty(routes.Present);

            announcer.Update(Snapshot(2, ("web", true)));
            Assert.Equal(["10.0.0.100"], routes.Present);
            Assert.True(Assert.Single(announcer.Status).Announced);

            announcer.SetDraining(true);
            Assert.Empty(routes.Present);
            Assert.True(announcer.Draining);

            announcer.Update(Snapshot(3, ("web", true)));
            Assert.Empty(routes.Present); // a health change does not undo a drain

            announcer.SetDraining(false);
            Assert.Equal(["10.0.0.100"], routes.Present);
        }

        Assert.Equal(["+10.0.0.100", "-10.0.0.100", "+10.0.0.100", "-10.0.0.100"], routes.Calls);
        Assert.True(routes.Disposed);
    }

    [Fact]
    public void Announcer_NothingToAnnounce_NeverOpensTheTable()
    {
        var config = Config(false, ("web", Service("10.0.0.100", 80)));
        using var announcer = new VipAnnouncer(config, Snapshot(1, ("web", true)), _ => throw new InvalidOperationException("must not open"), NullLogger.Instance);

        Assert.Equal(VipAnnouncer.OffReason, Assert.Single(announcer.Status).Reason);
    }

    [Fact]
    public void Announcer_CannotOpenAtStart_Throws()
    {
        var config = Config(true, ("web", Service("10.0.0.100", 80)));

        var e = Assert.Throws<InvalidOperationException>(() =>
            new VipAnnouncer(config, Snapshot(1, ("web", true)), _ => throw new InvalidOperationException("no CAP_NET_ADMIN"), NullLogger.Instance));
        Assert.Contains("CAP_NET_ADMIN", e.Message);
    }

    [Fact]
    public void Announcer_ReloadEnablesAnnounceButTableFails_StatusCarriesTheErrorAndLaterChangeRetries()
    {
        var failing = true;
        var routes = new FakeRoutes();
        using var announcer = new VipAnnouncer(
            Config(false, ("web", Service("10.0.0.100", 80))), Snapshot(1, ("web", true)),
            _ => failing ? throw new InvalidOperationException("no CAP_NET_ADMIN") : routes, NullLogger.Instance);

        announcer.Update(Config(true, ("web", Service("10.0.0.100", 80))));
        var vip = Assert.Single(announcer.Status);
        Assert.False(vip.Announced);
        Assert.Contains("CAP_NET_ADMIN", vip.Reason);

        failing = false;
        announcer.Update(Snapshot(2, ("web", true)));
        Assert.True(Assert.Single(announcer.Status).Announced);
        Assert.Equal(["10.0.0.100"], routes.Present);
    }

    [Fact]
    public void Announcer_Ipv6AndIpv4Vips_SameRulesPerVipAndStatusNamesTheIpv6Vip()
    {
        var routes = new FakeRoutes();
        var web6 = Service("fd00:200::100", 80) with
        {
            Backends = new Dictionary<string, L4BackendConfig> { ["b1"] = new() { Address = "fd00:200::11" } },
        };
        var config = Config(true, ("web", Service("10.0.0.100", 80)), ("web6", web6));
        using (var announcer = new VipAnnouncer(config, Snapshot(1, ("web", true), ("web6", true)), _ => routes, NullLogger.Instance))
        {
            Assert.Equal(["10.0.0.100", "fd00:200::100"], routes.Present.Order(StringComparer.Ordinal));
            Assert.Equal(["10.0.0.100", "fd00:200::100"], announcer.Status.Select(v => v.Vip));

            announcer.Update(Snapshot(2, ("web", true), ("web6", false)));
            Assert.Equal(["10.0.0.100"], routes.Present);
            Assert.Equal(VipAnnouncer.NoBackendReason, announcer.Status.Single(v => v.Vip == "fd00:200::100").Reason);

            announcer.Update(Snapshot(3, ("web", true), ("web6", true)));
            announcer.SetDraining(true);
            Assert.Empty(routes.Present);
            Assert.All(announcer.Status, v => Assert.Equal(VipAnnouncer.DrainingReason, v.Reason));

            announcer.SetDraining(false);
            Assert.Equal(2, routes.Present.Count);
        }

        Assert.Empty(routes.Present);
        // health down, health up, drain, ready, dispose: each one change of the IPv6 VIP's route, none repeated
        Assert.Equal(["+", "-", "+", "-", "+", "-"], routes.Calls.Where(c => c.EndsWith("fd00:200::100", StringComparison.Ordinal)).Select(c => c[..1]));
        Assert.True(routes.Disposed);
    }

    [Theory]
    [InlineData("10.0.0.100", "replace", "-4 route replace 10.0.0.100/32 dev lbvip0 table 200 proto 250")]
    [InlineData("10.0.0.100", "del", "-4 route del 10.0.0.100/32 dev lbvip0 table 200 proto 250")]
    [InlineData("fd00:200::100", "replace", "-6 route replace fd00:200::100/128 dev lbvip0 table 200 proto 250")]
    [InlineData("2001:db8::1", "del", "-6 route del 2001:db8::1/128 dev lbvip0 table 200 proto 250")]
    public void RouteCommand_PerFamily_HostRouteInTheAnnounceTableWithTheBalancersProtocol(string vip, string verb, string expected)
    {
        Assert.Equal(expected, string.Join(' ', KernelVipRoutes.RouteCommand(verb, IPAddress.Parse(vip), "lbvip0", "200")));
    }
}
