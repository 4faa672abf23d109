using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Tests.TestSupport;

namespace LoadBalancer.Modes.Tests.Pipeline;

public class L4Snapshot6Tests
{
    private static readonly UInt128 Vip6 = Ipv6Address.Parse("2001:db8::100");
    private static readonly UInt128 Source6 = Ipv6Address.Parse("2001:db8:1::1");

    [Fact]
    public void Snapshot_Ipv6Service_FoundByVip6PortAndProtocolOnly()
    {
        L4Snapshot snapshot = new([Service6(80, NatForwardingMode.Instance), Service4(80)], default);

        L4Service? found = snapshot.FindService6(Vip6, 80, 6);
        Assert.NotNull(found);
        Assert.True(found.IsIpv6);
        Assert.Null(snapshot.FindService6(Vip6, 81, 6));
        Assert.Null(snapshot.FindService6(Vip6, 80, 17));
        Assert.Null(snapshot.FindService6(Vip6 + 1, 80, 6));
        Assert.Same(snapshot.Services[1], snapshot.FindService(Ipv4Address.Parse("10.0.0.100"), 80, 6));
        Assert.Equal(0, found.Index);
        Assert.True(snapshot.IsVip6(Vip6));
        Assert.False(snapshot.IsVip6(Vip6 + 1));
        Assert.False(snapshot.IsVip(0));
    }

    [Fact]
    public void Snapshot_FullNat6Sources_OwnedWithTheVipsDistinctAndNotAsVips()
    {
        UInt128 second = Source6 + 1;
        L4Snapshot snapshot = new(
            [
                Service6(80, FullNatForwardingMode.Instance, sources: [Source6, second]),
                Service6(81, FullNatForwardingMode.Instance, sources: [Source6]),
                Service6(82, NatForwardingMode.Instance),
            ],
            default);

        Assert.True(snapshot.IsFullNatSource6(Source6));
        Assert.True(snapshot.IsFullNatSource6(second));
        Assert.False(snapshot.IsFullNatSource6(Vip6));
        Assert.False(snapshot.IsVip6(Source6));
        Assert.Equal([Vip6, Source6, second], snapshot.OwnedAddresses6);
    }

    [Fact]
    public void Snapshot_InvalidIpv6Services_ReportsEveryProblem()
    {
        EthernetAddress mac = default;
        var services = new[]
        {
            Service6(1, NatForwardingMode.Instance, vip: Ipv6Address.Parse("ff02::1")),
            Service6(2, FullNatForwardingMode.Instance),
            Service6(3, IpipForwardingMode.Instance),
            Service6(4, NatForwardingMode.Instance, backends: [new L4Backend(0x0A01000B, 8080, mac, 2, 1)]),
            Service4(5, backends: [new L4Backend(0, 8080, mac, 2, 1, 0, Ipv6Address.Parse("2001:db8:2::11"))]),
            Service6(6, FullNatForwardingMode.Instance, sources: [Ipv6Address.Parse("::1")]),
            Service6(80, NatForwardingMode.Instance),
            Service6(80, NatForwardingMode.Instance),
            new L4Service { Vip = 0x0A000064, Vip6 = Vip6, Port = 7, Protocol = 6, Mode = NatForwardingMode.Instance, Backends = [], Selector = new ModuloSelector(0) },
        };

        var ex = Assert.Throws<ArgumentException>(() => new L4Snapshot(services, default));

        Assert.Contains("[ff02::1]:1/6: VIP is not a unicast address", ex.Message);
        Assert.Contains("[2001:db8::100]:2/6: fullnat needs at least one IPv6 source address", ex.Message);
        Assert.Contains("[2001:db8::100]:3/6: tunnel needs an IPv6 outer source address", ex.Message);
        Assert.Contains("[2001:db8::100]:4/6: backend 10.1.0.11 is IPv4 but the VIP is IPv6", ex.Message);
        Assert.Contains("10.0.0.100:5/6: backend 2001:db8:2::11 is IPv6 but the VIP is IPv4", ex.Message);
        Assert.Contains("[2001:db8::100]:6/6: full-NAT source ::1 is not a unicast address", ex.Message);
        Assert.Contains("[2001:db8::100]:80/6: defined twice", ex.Message);
        Assert.Contains("[2001:db8::100]:7/6: has both an IPv4 VIP (10.0.0.100) and an IPv6 VIP", ex.Message);
    }

    [Fact]
    public void Snapshot_SameVipPortInBothFamilies_AreTwoServices()
    {
        L4Snapshot snapshot = new([Service6(80, NatForwardingMode.Instance), Service4(80)], default);
        Assert.NotSame(snapshot.FindService6(Vip6, 80, 6), snapshot.FindService(0x0A000064, 80, 6));
    }

    private static L4Service Service6(ushort port, IForwardingMode mode, UInt128? vip = null, UInt128[]? sources = null, L4Backend[]? backends = null)
    {
        EthernetAddress.TryParse("02:00:00:00:01:01", out EthernetAddress mac);
        L4Backend[] list = backends ?? [new L4Backend(0, 8080, mac, 2, 1, 0, Ipv6Address.Parse("2001:db8:1::11"))];
        return new L4Service
        {
            Vip6 = vip ?? Vip6,
            Port = port,
            Protocol = 6,
            Mode = mode,
            Backends = list,
            Selector = new ModuloSelector(list.Length),
            FullNatSources6 = sources ?? [],
        };
    }

    private static L4Service Service4(ushort port, L4Backend[]? backends = null)
    {
        EthernetAddress.TryParse("02:00:00:00:01:01", out EthernetAddress mac);
        L4Backend[] list = backends ?? [new L4Backend(0x0A01000B, 8080, mac, 2, 1)];
        return new L4Service
        {
            Vip = 0x0A000064,
            Port = port,
            Protocol = 6,
            Mode = NatForwardingMode.Instance,
            Backends = list,
            Selector = new ModuloSelector(list.Length),
        };
    }
}
