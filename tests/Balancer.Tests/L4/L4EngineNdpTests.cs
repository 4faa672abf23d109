using System.Buffers.Binary;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Control;
using LoadBalancer.Balancer.L4.Engine;
using LoadBalancer.Balancer.Metrics;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>The engine's neighbour discovery with an in-memory device: announcing IPv6 VIPs, answering for them only, resolving IPv6 backends and ageing them like ARP entries.</summary>
public sealed class L4EngineNdpTests : IAsyncLifetime
{
    private static readonly EthernetAddress OwnMac = new(0x0200_0000_0002);
    private static readonly EthernetAddress ClientMac = new(0x0200_0000_0101);
    private static readonly EthernetAddress B1Mac = new(0x0200_0000_0611);
    private static readonly EthernetAddress B2Mac = new(0x0200_0000_0612);
    private static readonly UInt128 Vip6 = Ipv6Address.Parse("2001:db8::100");
    private static readonly UInt128 FullNat6 = Ipv6Address.Parse("2001:db8::200");
    private static readonly UInt128 B1 = Ipv6Address.Parse("2001:db8:2::11");
    private static readonly UInt128 B2 = Ipv6Address.Parse("2001:db8:2::12");
    private static readonly UInt128 Own6 = Ipv6Address.Parse("fe80::2");
    private static readonly UInt128 Client6 = Ipv6Address.Parse("fe80::101");

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-02T12:00:00Z"));
    private readonly InMemoryPacketDevice _device = new(OwnMac);
    private BackendControl _control = null!;
    private L4Engine _engine = null!;
    private string _filter = "";

    private static L4Config Config() => new()
    {
        Interface = "mem0",
        Services = new Dictionary<string, L4ServiceConfig>
        {
            ["web6"] = new()
            {
                Vip = "2001:db8::100", Port = 80, Mode = "nat",
                Backends = new Dictionary<string, L4BackendConfig> { ["b1"] = new() { Address = "2001:db8:2::11" }, ["b2"] = new() { Address = "2001:db8:2::12" } },
            },
            ["full6"] = new()
            {
                Vip = "2001:db8::101", Port = 443, Mode = "fullnat", FullNatSources = ["2001:db8::200"],
                Backends = new Dictionary<string, L4BackendConfig> { ["b1"] = new() { Address = "2001:db8:2::11" } },
            },
        },
    };

    public Task InitializeAsync()
    {
        var l4 = Config();
        _control = new BackendControl(_time, NullLoggerFactory.Instance);
        _control.Apply(new BalancerConfig { Source = "test", Balancer = new BalancerOptions(), Routes = [], Clusters = [], L4 = l4, L4Settings = L4Settings.Parse(l4) });
        var nic = new InterfaceInfo("mem0", []) { Addresses6 = [Own6] };
        _engine = L4Engine.StartOn(L4Settings.Parse(l4), nic, _control, NullLoggerFactory.Instance, _time, (filter, _) =>
        {
            _filter = filter;
            return _device;
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        await _control.DisposeAsync();
    }

    /// <summary>An NS or NA (type 135/136) with one link-layer option, hop limit 255, checksummed.</summary>
    private static byte[] Ndp(EthernetAddress srcMac, EthernetAddress dstMac, UInt128 src, UInt128 dst, byte type, byte flags, UInt128 target, EthernetAddress optionMac)
    {
        var frame = new byte[14 + 40 + 32];
        dstMac.Write(frame);
        srcMac.Write(frame.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x86DD);
        frame[14] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(18), 32);
        frame[20] = 58;
        frame[21] = 255;
        BinaryPrimitives.WriteUInt128BigEndian(frame.AsSpan(22), src);
        BinaryPrimitives.WriteUInt128BigEndian(frame.AsSpan(38), dst);
        var message = frame.AsSpan(54);
        message[0] = type;
        message[4] = flags;
        BinaryPrimitives.WriteUInt128BigEndian(message[8..], target);
        message[24] = type == 135 ? (byte)1 : (byte)2;
        message[25] = 1;
        optionMac.Write(message[26..]);
        InternetChecksum.WriteTransportChecksum(message, src, dst, 58, 2);
        return frame;
    }

    private static byte[] Advertisement(EthernetAddress mac, UInt128 address) => Ndp(mac, OwnMac, address, Own6, 136, 0x60, address, mac);

    private static byte[] SolicitationFor(UInt128 target) => Ndp(ClientMac, NdpResponder.MulticastMac(NdpResponder.SolicitedNode(target)), Client6, NdpResponder.SolicitedNode(target), 135, 0, target, ClientMac);

    private static (byte Type, UInt128 Source, UInt128 Destination, UInt128 Target) Read(byte[] f) =>
        (f[54], BinaryPrimitives.ReadUInt128BigEndian(f.AsSpan(22)), BinaryPrimitives.ReadUInt128BigEndian(f.AsSpan(38)), BinaryPrimitives.ReadUInt128BigEndian(f.AsSpan(62)));

    private static bool IsNdp(byte[] f) => f.Length >= 86 && BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(12)) == 0x86DD && f[20] == 58;

    [Fact]
    public void Start_AnnouncesOwnedIpv6AddressesAndSolicitsBackends()
    {
        var sent = _device.TakeSent().Where(IsNdp).Select(Read).ToList();
        var allNodes = Ipv6Address.Parse("ff02::1");
        Assert.Equal([Vip6, Ipv6Address.Parse("2001:db8::101"), FullNat6], sent.Where(s => s.Type == 136).Select(s => s.Target).Order());
        Assert.All(sent.Where(s => s.Type == 136), s => Assert.Equal((s.Target, allNodes), (s.Source, s.Destination)));
        var solicitations = sent.Where(s => s.Type == 135).ToList();
        Assert.Equal([B1, B2], solicitations.Select(s => s.Target).Order());
        Assert.All(solicitations, s => Assert.Equal((Own6, NdpResponder.SolicitedNode(s.Target)), (s.Source, s.Destination)));
        Assert.Contains("ip6[40] == 135", _filter);
        Assert.Contains("dst host 2001:db8::100", _filter);
        Assert.Contains("dst host 2001:db8::200", _filter);
        Assert.Contains("src host 2001:db8:2::11", _filter);
    }

    [Fact]
    public void Advertisements_ResolveBackendsIntoTheSnapshot()
    {
        Assert.All(_engine.Snapshot!.Services[0].Backends, b => Assert.Equal(0, b.Weight));
        _device.Inject(Advertisement(B1Mac, B1));
        _device.Inject(Advertisement(B2Mac, B2));

        var backends = _engine.Snapshot!.Services.Single(s => s.Vip6 == Vip6).Backends;
        Assert.Equal([(B1, B1Mac), (B2, B2Mac)], backends.Select(b => (b.Address6, b.Mac)).Order());
        Assert.All(backends, b => Assert.True(b.Weight > 0 && b.Address == 0));
    }

    [Fact]
    public void Solicitations_AnsweredForVipsAndFullNatSourcesOnly_OthersCountedAsDrops()
    {
        _device.TakeSent();
        _device.Inject(SolicitationFor(Vip6));
        _device.Inject(SolicitationFor(FullNat6));
        _device.Inject(SolicitationFor(B1));

        var answers = _device.TakeSent().Where(IsNdp).Select(Read).ToList();
        Assert.Equal([(136, Vip6, Client6, Vip6), (136, FullNat6, Client6, FullNat6)], answers.Select(a => ((int)a.Type, a.Source, a.Destination, a.Target)));
        Assert.Equal(2, _engine.NdpCounters.Answered);
        Assert.Equal(1, _engine.Workers.Sum(w => w.Counters.GetDrops(DropReason.NdpTargetNotOwned)));
    }

    [Fact]
    public void BadHopLimit_IsACountedDropNotAnAnswer()
    {
        _device.TakeSent();
        var frame = SolicitationFor(Vip6);
        frame[21] = 64;
        _device.Inject(frame);

        Assert.DoesNotContain(_device.TakeSent(), IsNdp);
        Assert.Equal(1, _engine.Workers.Sum(w => w.Counters.GetDrops(DropReason.NdpBadHopLimit)));
    }

    [Fact]
    public void Backends_AreRefreshedThenForgottenWhenSilent_LikeArp()
    {
        _device.Inject(Advertisement(B1Mac, B1));
        _device.Inject(Advertisement(B2Mac, B2));
        _device.TakeSent();

        // Past RefreshAfter: asked again while still resolved.
        _time.Advance(TimeSpan.FromSeconds(31));
        var asked = _device.TakeSent().Where(IsNdp).Select(Read).Where(s => s.Type == 135).Select(s => s.Target).Order().ToList();
        Assert.Equal([B1, B2], asked.Distinct());
        Assert.All(_engine.Snapshot!.Services.Single(s => s.Vip6 == Vip6).Backends, b => Assert.True(b.Weight > 0));

        // B2 answers, B1 stays silent past ExpireAfter: B1 takes no new flows.
        for (var i = 0; i < 7; i++)
        {
            _device.Inject(Advertisement(B2Mac, B2));
            _time.Advance(TimeSpan.FromSeconds(10));
        }
        var backends = _engine.Snapshot!.Services.Single(s => s.Vip6 == Vip6).Backends;
        Assert.Equal(0, backends.Single(b => b.Address6 == B1).Weight);
        Assert.True(backends.Single(b => b.Address6 == B2).Weight > 0);
    }

    [Fact]
    public void BackendInMaintenance_LeavesAnEmptyIpv6SlotThatTakesNoFlows()
    {
        _device.Inject(Advertisement(B1Mac, B1));
        _device.Inject(Advertisement(B2Mac, B2));

        Assert.True(_control.Store.SetAdminState("web6", "b1", LoadBalancer.Health.AdminState.Maint));
        _engine.Rebuild();

        var backends = _engine.Snapshot!.Services.Single(s => s.Vip6 == Vip6).Backends;
        Assert.Equal(2, backends.Length);
        Assert.DoesNotContain(backends, b => b.Address6 == B1);
        Assert.Equal(0, backends.Single(b => b.Address6 != B2).Weight);
        Assert.True(backends.Single(b => b.Address6 == B2).Weight > 0);
    }

    [Fact]
    public async Task Metrics_CountTheNdpExchange_AnsweredSentReceivedUnresolvedAndDropsByReason()
    {
        var metrics = new BalancerMetrics();
        L4Metrics.Register(metrics, _engine);
        var atStart = await ScrapeAsync(metrics);

        _device.Inject(Advertisement(B1Mac, B1));
        _device.Inject(SolicitationFor(Vip6));
        _device.Inject(SolicitationFor(B1));
        var badHop = SolicitationFor(Vip6);
        badHop[21] = 1;
        _device.Inject(badHop);
        var corrupt = SolicitationFor(FullNat6);
        corrupt[^1] ^= 0xFF;
        _device.Inject(corrupt);
        var afterExchange = await ScrapeAsync(metrics);
        // B2 never answers: after 3 solicitations (one at start, one per second) it is reported unresolved.
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
        }
        var later = await ScrapeAsync(metrics);

        Has(atStart, "lb_ndp_total{kind=\"unsolicited\"} 3");
        Has(atStart, "lb_ndp_total{kind=\"solicitations\"} 2");
        Has(atStart, "lb_ndp_unresolved_neighbours 2");
        Has(afterExchange, "lb_ndp_total{kind=\"advertisements\"} 1");
        Has(afterExchange, "lb_ndp_total{kind=\"learnt\"} 1");
        Has(afterExchange, "lb_ndp_total{kind=\"answered\"} 1");
        Has(afterExchange, "lb_ndp_unresolved_neighbours 1");
        Has(afterExchange, "lb_ndp_drops_total{reason=\"NdpTargetNotOwned\"} 1");
        Has(afterExchange, "lb_ndp_drops_total{reason=\"NdpBadHopLimit\"} 1");
        Has(afterExchange, "lb_ndp_drops_total{reason=\"NdpBadChecksum\"} 1");
        Has(afterExchange, "lb_ndp_total{kind=\"unresolved\"} 0");
        Has(later, "lb_ndp_total{kind=\"unresolved\"} 1");
        Has(later, "lb_ndp_unresolved_neighbours 1");
        // ARP's counters stay IPv4-only: this IPv6-only engine sent no ARP request.
        Has(later, "lb_arp_total{kind=\"requests\"} 0");
    }

    private static void Has(string scrape, string sample) => Assert.True(scrape.Contains(sample, StringComparison.Ordinal), $"no '{sample}' in:\n{scrape}");

    private static async Task<string> ScrapeAsync(BalancerMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        // Only the neighbour-discovery and ARP samples, so a failed assertion shows them.
        return string.Join("\n", System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n')
            .Where(l => l.StartsWith("lb_ndp", StringComparison.Ordinal) || l.StartsWith("lb_arp", StringComparison.Ordinal)));
    }
}
