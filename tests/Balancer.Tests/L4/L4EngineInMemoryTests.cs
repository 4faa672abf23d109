using System.Net;
using System.Net.NetworkInformation;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Control;
using LoadBalancer.Balancer.L4.Engine;
using LoadBalancer.Balancer.Metrics;
using LoadBalancer.Modes.Packets;
using LoadBalancer.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PacketDotNet;
using Prometheus;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>The engine's packet loop, ARP and metrics with an in-memory device: no root, exact counts.</summary>
public sealed class L4EngineInMemoryTests : IAsyncLifetime
{
    private static readonly PhysicalAddress ClientMac = PhysicalAddress.Parse("02-00-00-00-01-01");
    private static readonly PhysicalAddress B1Mac = PhysicalAddress.Parse("02-00-00-00-00-11");
    private static readonly PhysicalAddress B2Mac = PhysicalAddress.Parse("02-00-00-00-00-12");
    private static readonly PhysicalAddress OwnMac = PhysicalAddress.Parse("02-00-00-00-00-02");
    private static readonly IPAddress Vip = IPAddress.Parse("10.0.0.100");
    private static readonly IPAddress Client = IPAddress.Parse("10.0.1.1");

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-27T12:00:00Z"));
    private readonly InMemoryPacketDevice _device = new(new EthernetAddress(0x0200_0000_0002));
    private BackendControl _control = null!;
    private L4Engine _engine = null!;

    private static L4Config Config(params string[] backends) => new()
    {
        Interface = "mem0",
        Services = new Dictionary<string, L4ServiceConfig>
        {
            ["web"] = new()
            {
                Vip = "10.0.0.100", Port = 80, Mode = "nat",
                Backends = backends.ToDictionary(b => b, b => new L4BackendConfig { Address = b == "b1" ? "10.0.0.11" : "10.0.0.12" }),
            },
        },
    };

    public async Task InitializeAsync()
    {
        var l4 = Config("b1", "b2");
        _control = new BackendControl(_time, NullLoggerFactory.Instance);
        _control.Apply(new BalancerConfig { Source = "test", Balancer = new BalancerOptions(), Routes = [], Clusters = [], L4 = l4, L4Settings = L4Settings.Parse(l4) });
        var nic = new InterfaceInfo("mem0", [(0x0A00_0002u, 24)]);
        _engine = L4Engine.StartOn(L4Settings.Parse(l4), nic, _control, NullLoggerFactory.Instance, _time, (_, _) => _device);
        // The engine asked for its backends at start; the backends answer.
        var requests = _device.TakeSent().Where(IsArpRequest).Select(f => ((ArpPacket)Packet.ParsePacket(LinkLayers.Ethernet, f).PayloadPacket).TargetProtocolAddress.ToString()).ToList();
        Assert.Equal(["10.0.0.11", "10.0.0.12"], requests.Order());
        _device.Inject(ArpReply(B1Mac, "10.0.0.11"));
        _device.Inject(ArpReply(B2Mac, "10.0.0.12"));
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        await _control.DisposeAsync();
    }

    // A request whose sender and target address differ (a gratuitous ARP announces sender == target).
    private static bool IsArpRequest(byte[] f) => Packet.ParsePacket(LinkLayers.Ethernet, f).PayloadPacket is ArpPacket { Operation: ArpOperation.Request } a
        && !a.SenderProtocolAddress.Equals(a.TargetProtocolAddress);

    private static byte[] ArpReply(PhysicalAddress mac, string ip) =>
        new EthernetPacket(mac, OwnMac, EthernetType.Arp)
        {
            PayloadPacket = new ArpPacket(ArpOperation.Response, OwnMac, IPAddress.Parse("10.0.0.2"), mac, IPAddress.Parse(ip)),
        }.Bytes;

    private static byte[] ArpRequestFor(string ip) =>
        new EthernetPacket(ClientMac, PhysicalAddress.Parse("FF-FF-FF-FF-FF-FF"), EthernetType.Arp)
        {
            PayloadPacket = new ArpPacket(ArpOperation.Request, PhysicalAddress.Parse("00-00-00-00-00-00"), IPAddress.Parse(ip), ClientMac, Client),
        }.Bytes;

    private static byte[] Syn(IPAddress source, ushort sourcePort, PhysicalAddress? from = null)
    {
        var tcp = new TcpPacket(sourcePort, 80) { Synchronize = true, SequenceNumber = 1000, WindowSize = 64240 };
        var ip = new IPv4Packet(source, Vip) { TimeToLive = 64, PayloadPacket = tcp };
        tcp.UpdateTcpChecksum();
        ip.UpdateIPChecksum();
        return new EthernetPacket(from ?? ClientMac, OwnMac, EthernetType.IPv4) { PayloadPacket = ip }.Bytes;
    }

    /// <summary>The client's next segment of a tracked connection (ACK, no SYN).</summary>
    private static byte[] Ack(IPAddress source, ushort sourcePort)
    {
        var tcp = new TcpPacket(sourcePort, 80) { Acknowledgment = true, SequenceNumber = 1001, AcknowledgmentNumber = 5001, WindowSize = 64240 };
        var ip = new IPv4Packet(source, Vip) { TimeToLive = 64, PayloadPacket = tcp };
        tcp.UpdateTcpChecksum();
        ip.UpdateIPChecksum();
        return new EthernetPacket(ClientMac, OwnMac, EthernetType.IPv4) { PayloadPacket = ip }.Bytes;
    }

    private static byte[] SynAck(IPAddress backend, PhysicalAddress backendMac, ushort clientPort)
    {
        var tcp = new TcpPacket(80, clientPort) { Synchronize = true, Acknowledgment = true, SequenceNumber = 5000, AcknowledgmentNumber = 1001, WindowSize = 64240 };
        var ip = new IPv4Packet(backend, Client) { TimeToLive = 64, PayloadPacket = tcp };
        tcp.UpdateTcpChecksum();
        ip.UpdateIPChecksum();
        return new EthernetPacket(backendMac, OwnMac, EthernetType.IPv4) { PayloadPacket = ip }.Bytes;
    }

    private static async Task<string> ScrapeAsync(BalancerMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task KnownTraffic_ForwardsAndCountsExactly()
    {
        var metrics = new BalancerMetrics();
        L4Metrics.Register(metrics, _engine);

        for (ushort port = 40000; port < 40100; port++)
        {
            _device.Inject(Syn(Client, port));
        }
        var toBackends = _device.TakeSent();
        var perBackend = toBackends.GroupBy(f => new EthernetAddress(EthernetAddress.Read(f).Value)).ToDictionary(g => g.Key, g => g.Count());
        // One reply back from b1 for the first flow that went there.
        var firstToB1 = toBackends.Select(f => (TcpPacket)((IPv4Packet)Packet.ParsePacket(LinkLayers.Ethernet, f).PayloadPacket).PayloadPacket)
            .Zip(toBackends).First(x => EthernetAddress.Read(x.Second) == new EthernetAddress(0x0200_0000_0011));
        _device.Inject(SynAck(IPAddress.Parse("10.0.0.11"), B1Mac, firstToB1.First.SourcePort));
        var reply = Assert.Single(_device.TakeSent());
        for (var i = 0; i < 3; i++)
        {
            _device.Inject(Syn(Client, 50000)[..30]);
        }
        _device.Inject(Syn(Vip, 50001));
        _device.Inject(Syn(Vip, 50002));
        _device.Inject(ArpRequestFor("10.0.0.100"));
        _device.Inject(ArpRequestFor("10.0.0.55"));
        var arpReplies = _device.TakeSent();
        var text = await ScrapeAsync(metrics);

        var b1 = perBackend.GetValueOrDefault(new EthernetAddress(0x0200_0000_0011));
        var b2 = perBackend.GetValueOrDefault(new EthernetAddress(0x0200_0000_0012));
        Assert.Equal(100, b1 + b2);
        Assert.True(b1 > 20 && b2 > 20, $"spread {b1}/{b2}");
        var replyIp = (IPv4Packet)Packet.ParsePacket(LinkLayers.Ethernet, reply).PayloadPacket;
        Assert.Equal(Vip, replyIp.SourceAddress);
        Assert.Equal(ClientMac, ((EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, reply)).DestinationHardwareAddress);
        var arp = Assert.Single(arpReplies);
        Assert.Equal(ArpOperation.Response, ((ArpPacket)Packet.ParsePacket(LinkLayers.Ethernet, arp).PayloadPacket).Operation);

        Assert.Contains($"lb_l4_packets_total{{service=\"web\",backend=\"b1\",direction=\"to_backend\"}} {b1}", text);
        Assert.Contains($"lb_l4_packets_total{{service=\"web\",backend=\"b2\",direction=\"to_backend\"}} {b2}", text);
        Assert.Contains("lb_l4_packets_total{service=\"web\",backend=\"b1\",direction=\"to_client\"} 1", text);
        Assert.Contains("lb_l4_packets_total{service=\"web\",backend=\"b2\",direction=\"to_client\"} 0", text);
        Assert.Contains("lb_l4_drops_total{reason=\"Truncated\"} 3", text);
        Assert.Contains("lb_l4_drops_total{reason=\"SourceIsVip\"} 2", text);
        Assert.Contains("lb_l4_new_flows_total 100", text);
        Assert.Contains("lb_conntrack_entries 100", text);
        Assert.Contains("lb_arp_total{kind=\"answered\"} 1", text);
        Assert.Contains("lb_arp_total{kind=\"requests\"} 2", text);
        Assert.Contains("lb_arp_total{kind=\"gratuitous\"} 1", text);
        // 3 at start (a gratuitous ARP, 2 requests) + 100 SYNs + 1 reply + 1 ARP reply.
        Assert.Contains("lb_l4_frames_sent_total{interface=\"mem0\"} 105", text);
    }

    [Fact]
    public void PacketLoop_10kFrames_AllocatesNothing()
    {
        _device.Capture = false;
        var frames = Enumerable.Range(0, 1000).Select(i => Syn(Client, (ushort)(20000 + i))).ToArray();
        foreach (var f in frames)
        {
            _device.Inject(f);
        }
        var rounds = Allocations.UntilSteady(() =>
        {
            for (var round = 0; round < 10; round++)
            {
                foreach (var f in frames)
                {
                    _device.Inject(f);
                }
            }
        });

        Assert.True(Allocations.Settled(rounds), Allocations.Describe(rounds));
        // 3 ARP frames at start, then every SYN forwarded.
        Assert.Equal(3 + 1_000 + (rounds.Count * 10_000), _engine.PortCounters.FramesSent);
    }

    [Fact]
    public void Drain_NoNewFlows_ExistingFlowKeepsItsBackend_MaintCutsIt()
    {
        _device.Inject(Syn(Client, 41000));
        var first = EthernetAddress.Read(Assert.Single(_device.TakeSent()));
        var id = first == new EthernetAddress(0x0200_0000_0011) ? "b1" : "b2";

        Assert.True(_control.Store.SetAdminState("web", id, LoadBalancer.Health.AdminState.Drain));
        _engine.Rebuild();
        _device.Inject(Ack(Client, 41000));
        var again = EthernetAddress.Read(Assert.Single(_device.TakeSent()));
        for (ushort p = 42000; p < 42050; p++)
        {
            _device.Inject(Syn(Client, p));
        }
        var news = _device.TakeSent().Select(f => EthernetAddress.Read(f)).ToList();
        Assert.True(_control.Store.SetAdminState("web", id, LoadBalancer.Health.AdminState.Maint));
        _engine.Rebuild();
        _device.Inject(Ack(Client, 41000));
        var afterMaint = _device.TakeSent().Select(f => EthernetAddress.Read(f)).ToList();

        Assert.Equal(first, again);
        Assert.Equal(50, news.Count);
        Assert.DoesNotContain(first, news);
        Assert.DoesNotContain(first, afterMaint);
    }

    [Fact]
    public void Drain_SynOnATupleTrackedToTheDrainedBackend_IsANewConnectionForAnotherBackend()
    {
        _device.Inject(Syn(Client, 41500));
        var first = EthernetAddress.Read(Assert.Single(_device.TakeSent()));
        var id = first == new EthernetAddress(0x0200_0000_0011) ? "b1" : "b2";

        Assert.True(_control.Store.SetAdminState("web", id, LoadBalancer.Health.AdminState.Drain));
        _engine.Rebuild();
        // The client's old connection ended where the balancer could not see it (say a RST straight from the backend)
        // and it reuses the port: that SYN is a new connection, and a drained backend takes none.
        _device.Inject(Syn(Client, 41500));
        var reused = EthernetAddress.Read(Assert.Single(_device.TakeSent()));

        Assert.NotEqual(first, reused);
        Assert.Equal(1, _engine.Table.Restarts);
        Assert.Equal(1, _engine.Table.Count);
    }

    [Fact]
    public void Reload_RemovedBackend_KeepsFlowsDuringGrace_ThenDrops()
    {
        _device.Inject(Syn(Client, 43000));
        var first = EthernetAddress.Read(Assert.Single(_device.TakeSent()));
        var keep = first == new EthernetAddress(0x0200_0000_0011) ? "b2" : "b1";

        _engine.Apply(L4Settings.Parse(Config(keep) with { RetiredBackendGrace = TimeSpan.FromSeconds(30) }));
        _device.Inject(Ack(Client, 43000));
        var during = EthernetAddress.Read(Assert.Single(_device.TakeSent()));
        _time.Advance(TimeSpan.FromSeconds(31));
        _device.Inject(Syn(Client, 43000));
        var after = _device.TakeSent().Where(f => !IsArp(f)).Select(f => EthernetAddress.Read(f)).ToList();

        Assert.Equal(first, during);
        Assert.DoesNotContain(first, after);
    }

    [Fact]
    public void Reload_RemovedBackend_ItsFlowCountGoesWithItsRetiredFlows()
    {
        for (ushort p = 44000; p < 44020; p++)
        {
            _device.Inject(Syn(Client, p));
        }
        _device.TakeSent();
        var before = _engine.Names.BackendFlows("web").ToDictionary(x => x.Backend, x => x.Flows);

        _engine.Apply(L4Settings.Parse(Config("b2") with { RetiredBackendGrace = TimeSpan.FromSeconds(60) }));
        for (ushort p = 45000; p < 45010; p++)
        {
            _device.Inject(Syn(Client, p));
        }
        var news = _device.TakeSent().Where(f => !IsArp(f)).Select(f => EthernetAddress.Read(f)).ToList();
        var retired = _engine.Names.BackendFlows("web").ToDictionary(x => x.Backend, x => x.Flows);
        var tracked = _engine.Table.Count;
        _time.Advance(TimeSpan.FromSeconds(31));
        var expired = _engine.Names.BackendFlows("web").ToDictionary(x => x.Backend, x => x.Flows);

        Assert.Equal(20, before["b1"] + before["b2"]);
        Assert.True(before["b1"] > 0 && before["b2"] > 0, string.Join(",", before));
        Assert.Equal(10, news.Count);
        Assert.All(news, m => Assert.Equal(new EthernetAddress(0x0200_0000_0012), m));
        Assert.Equal(before["b1"], retired["b1"]);
        Assert.Equal(before["b2"] + 10, retired["b2"]);
        Assert.Equal(tracked, retired["b1"] + retired["b2"]);
        // Half-open flows expire after 30 s (the housekeeping sweep ran when the clock moved): both counts reach 0.
        Assert.Equal(0, expired["b1"]);
        Assert.Equal(0, expired["b2"]);
        Assert.Equal(0, _engine.Table.Count);
    }

    private static bool IsArp(byte[] f) => Packet.ParsePacket(LinkLayers.Ethernet, f).PayloadPacket is ArpPacket;
    [Fact]
    public void TrafficHistory_KnownL4Traffic_PacketsAndBytesPerBackendAndPool()
    {
        using var history = new LoadBalancer.Balancer.Control.Traffic.TrafficHistory(null, () => _engine);
        history.Sample();
        for (ushort port = 41000; port < 41050; port++)
        {
            _device.Inject(Syn(Client, port));
        }
        var sent = _device.TakeSent();
        var toB1 = sent.Where(f => EthernetAddress.Read(f) == new EthernetAddress(0x0200_0000_0011)).ToList();
        var toB2 = sent.Where(f => EthernetAddress.Read(f) == new EthernetAddress(0x0200_0000_0012)).ToList();
        history.Sample();

        var b1 = history.Backend("web", "b1");
        var b2 = history.Backend("web", "b2");
        var pool = history.Pool("web", ["b1", "b2"]);
        Assert.Equal(50, toB1.Count + toB2.Count);
        Assert.Equal(toB1.Count, b1.Packets);
        Assert.Equal(toB2.Count, b2.Packets);
        Assert.Equal(50, pool.Packets);
        Assert.Equal(toB1.Sum(f => (long)f.Length), b1.BytesIn);
        Assert.True(pool.PacketRate > 0);
        Assert.NotEmpty(pool.History.Packets);
        Assert.Null(b1.ActiveFlows);

        history.ActiveFlows = (service, backend) => service == "web" ? (backend == "b1" ? 3 : 4) : null;
        Assert.Equal(3, history.Backend("web", "b1").ActiveFlows);
        Assert.Equal(7, history.Pool("web", ["b1", "b2"]).ActiveFlows);
    }
}
