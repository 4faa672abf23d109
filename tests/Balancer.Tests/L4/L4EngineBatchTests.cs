using System.Net;
using System.Net.NetworkInformation;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Control;
using LoadBalancer.Balancer.L4.Engine;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Balancer.Metrics;
using LoadBalancer.Modes.Packets;
using LoadBalancer.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PacketDotNet;
using Prometheus;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>The engine's batched receive/transmit loop and its workers with an in-memory device of two queues: flush points, over-MTU frames, replies on another worker, warm-up isolation, no allocation.</summary>
public sealed class L4EngineBatchTests : IAsyncLifetime
{
    private const int BatchSize = 4;
    private static readonly PhysicalAddress ClientMac = PhysicalAddress.Parse("02-00-00-00-01-01");
    private static readonly PhysicalAddress B1Mac = PhysicalAddress.Parse("02-00-00-00-00-11");
    private static readonly PhysicalAddress B2Mac = PhysicalAddress.Parse("02-00-00-00-00-12");
    private static readonly PhysicalAddress OwnMac = PhysicalAddress.Parse("02-00-00-00-00-02");
    private static readonly IPAddress Vip = IPAddress.Parse("10.0.0.100");
    private static readonly IPAddress Client = IPAddress.Parse("10.0.1.1");

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-02T08:00:00Z"));
    private readonly InMemoryPacketDevice _device = new(new EthernetAddress(0x0200_0000_0002), queues: 2, batchSize: BatchSize, mtu: 1000);
    private BackendControl _control = null!;
    private L4Engine _engine = null!;

    public async Task InitializeAsync()
    {
        var l4 = new L4Config
        {
            Interface = "mem0",
            Io = new L4IoConfig { BatchSize = BatchSize },
            Services = new Dictionary<string, L4ServiceConfig>
            {
                ["web"] = new()
                {
                    Vip = "10.0.0.100", Port = 80, Mode = "nat",
                    Backends = new Dictionary<string, L4BackendConfig> { ["b1"] = new() { Address = "10.0.0.11" }, ["b2"] = new() { Address = "10.0.0.12" } },
                },
            },
        };
        _control = new BackendControl(_time, NullLoggerFactory.Instance);
        _control.Apply(new BalancerConfig { Source = "test", Balancer = new BalancerOptions(), Routes = [], Clusters = [], L4 = l4, L4Settings = L4Settings.Parse(l4) });
        _engine = L4Engine.StartOn(L4Settings.Parse(l4), new InterfaceInfo("mem0", [(0x0A00_0002u, 24)]), _control, NullLoggerFactory.Instance, _time, (_, _) => _device);
        _device.Inject(ArpReply(B1Mac, "10.0.0.11"));
        _device.Inject(ArpReply(B2Mac, "10.0.0.12"), queue: 1);
        _device.TakeSent();
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        await _control.DisposeAsync();
    }

    private static byte[] ArpReply(PhysicalAddress mac, string ip) =>
        new EthernetPacket(mac, OwnMac, EthernetType.Arp)
        {
            PayloadPacket = new ArpPacket(ArpOperation.Response, OwnMac, IPAddress.Parse("10.0.0.2"), mac, IPAddress.Parse(ip)),
        }.Bytes;

    private static byte[] Tcp(IPAddress source, ushort sourcePort, IPAddress destination, ushort destinationPort, bool syn, bool ack, PhysicalAddress from, int payload = 0)
    {
        var tcp = new TcpPacket(sourcePort, destinationPort)
        {
            Synchronize = syn, Acknowledgment = ack, SequenceNumber = 1000, AcknowledgmentNumber = ack ? 1u : 0u, WindowSize = 64240,
            PayloadData = new byte[payload],
        };
        var ip = new IPv4Packet(source, destination) { TimeToLive = 64, PayloadPacket = tcp };
        tcp.UpdateTcpChecksum();
        ip.UpdateIPChecksum();
        return new EthernetPacket(from, OwnMac, EthernetType.IPv4) { PayloadPacket = ip }.Bytes;
    }

    private static byte[] Syn(ushort port) => Tcp(Client, port, Vip, 80, syn: true, ack: false, ClientMac);

    private static async Task<string> ScrapeAsync(BalancerMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void Batch_SmallerThanBatchSize_LeavesInOneFlushAtTheEnd()
    {
        var tx = _device.Transmitter(0);
        tx.FlushSizes.Clear();

        _device.InjectBatch([Syn(30000), Syn(30001), Syn(30002)]);

        Assert.Equal([3], tx.FlushSizes);
        Assert.Equal(3, _device.TakeSent().Count);
    }

    [Fact]
    public void Batch_LargerThanBatchSize_FlushesWhenFullThenAtTheEnd()
    {
        var tx = _device.Transmitter(0);
        tx.FlushSizes.Clear();

        _device.InjectBatch(Enumerable.Range(0, 10).Select(i => Syn((ushort)(31000 + i))).ToList());

        Assert.Equal([BatchSize, BatchSize, 2], tx.FlushSizes);
        Assert.Equal(10, _device.TakeSent().Count);
    }

    [Fact]
    public void Batch_OverMtuFrameInTheMiddle_CountedAndTheRestSent()
    {
        var tx = _device.Transmitter(0);
        tx.FlushSizes.Clear();
        // Open the flow first, then a batch with a data segment larger than the device MTU (1000) between two small ones.
        _device.Inject(Syn(32000));
        _device.TakeSent();
        var small = Tcp(Client, 32000, Vip, 80, syn: false, ack: true, ClientMac, payload: 10);
        var big = Tcp(Client, 32000, Vip, 80, syn: false, ack: true, ClientMac, payload: 1200);

        var sentBefore = tx.Counters.Sent;

        _device.InjectBatch([small, small, big, small, small]);

        Assert.Equal(4, _device.TakeSent().Count);
        Assert.Equal(sentBefore + 4, tx.Counters.Sent);
        Assert.Equal(1, tx.Counters.GetDrops(TransmitDropReason.OverMtu));
        Assert.Equal(1, _engine.PortCounters.SendFailures);
    }

    [Fact]
    public async Task NatReply_OnTheOtherWorker_IsForwardedAndCountedPerWorker()
    {
        var metrics = new BalancerMetrics();
        L4Metrics.Register(metrics, _engine);
        var before = (_engine.Workers[0].Packets, _engine.Workers[1].Packets);

        _device.InjectBatch([Syn(33000)], queue: 0);
        var request = Assert.Single(_device.TakeSent());
        var toB1 = EthernetAddress.Read(request) == new EthernetAddress(0x0200_0000_0011);
        var (backend, backendMac) = toB1 ? (IPAddress.Parse("10.0.0.11"), B1Mac) : (IPAddress.Parse("10.0.0.12"), B2Mac);
        _device.InjectBatch([Tcp(backend, 80, Client, 33000, syn: true, ack: true, backendMac)], queue: 1);
        var reply = Assert.Single(_device.TakeSent());
        var text = await ScrapeAsync(metrics);

        var ip = (IPv4Packet)Packet.ParsePacket(LinkLayers.Ethernet, reply).PayloadPacket;
        Assert.Equal(Vip, ip.SourceAddress);
        Assert.Equal(Client, ip.DestinationAddress);
        Assert.Equal(before.Item1 + 1, _engine.Workers[0].Packets);
        Assert.Equal(before.Item2 + 1, _engine.Workers[1].Packets);
        Assert.Equal(1, _engine.Workers[1].Counters.GetPackets(0, toB1 ? 0 : 1, LoadBalancer.Modes.Pipeline.FlowDirection.ToClient));
        Assert.Contains($"lb_l4_worker_packets_total{{worker=\"0\"}} {_engine.Workers[0].Packets}", text);
        Assert.Contains($"lb_l4_worker_packets_total{{worker=\"1\"}} {_engine.Workers[1].Packets}", text);
        Assert.Contains($"lb_l4_worker_batches_total{{worker=\"1\"}} {_engine.Workers[1].Batches}", text);
        Assert.Contains("lb_l4_new_flows_total 1", text);
        Assert.Contains("lb_l4_tx_drops_total{reason=\"OverMtu\"} 0", text);
    }

    [Fact]
    public void Saturated_FullBatch_NextBatchShedsNewSynsBeyondBudgetButForwardsTrackedFlows()
    {
        _device.Inject(Syn(34000));
        _device.TakeSent();
        var tracked = Tcp(Client, 34000, Vip, 80, syn: false, ack: true, ClientMac, payload: 10);

        // A full batch: frames were waiting, the worker is saturated for the next batch (budget: a quarter of 4 = 1 new SYN).
        _device.InjectBatch([tracked, tracked, tracked, tracked]);
        _device.TakeSent();
        _device.InjectBatch([Syn(34001), Syn(34002), tracked]);
        var saturated = _device.TakeSent();
        // That batch was not full: no more shedding.
        _device.InjectBatch([Syn(34003)]);
        var calm = _device.TakeSent();

        Assert.Equal(2, saturated.Count);
        Assert.Equal(1, _engine.Workers[0].Counters.GetDrops(DropReason.SynShed));
        Assert.Single(calm);
        Assert.Equal(3, _engine.Table.Count);
    }

    [Fact]
    public void WarmUp_RanBeforeCapture_WithoutTouchingTheRealTableOrCounters()
    {
        Assert.True(_engine.WarmUp.Frames > 1000, $"warm-up ran {_engine.WarmUp.Frames} frames");
        Assert.True(_engine.WarmUp.Forwarded > 0);
        // Its budget for running frames is 400 ms; set-up, JIT and a busy machine (tests run side by side on two cores)
        // add to that, so the bound is what would show a warm-up that ignores its budget, not a timing of this machine.
        Assert.InRange(_engine.WarmUp.Elapsed, TimeSpan.Zero, L4WarmUp.Budget + TimeSpan.FromSeconds(4));
        Assert.Equal(0, _engine.Table.Count);
        Assert.All(_engine.Workers, w => Assert.Equal(0, w.Counters.NewFlows));
        Assert.All(_engine.Workers, w => Assert.Equal(0, w.Transmitter.Counters.Sent));
        Assert.All(_engine.Workers, w => Assert.Equal(0, w.Counters.GetDrops(DropReason.NotForVip)));
    }

    [Fact]
    public void BatchedLoop_ThousandsOfFrames_AllocatesNothing()
    {
        _device.Capture = false;
        var frames = Enumerable.Range(0, 1000).Select(i => Syn((ushort)(20000 + i))).ToList();
        // Batches below the batch size: the worker never counts as saturated, every SYN opens its flow.
        var batches = frames.Chunk(BatchSize - 1).Select(c => (IReadOnlyList<byte[]>)c).ToList();
        foreach (var b in batches)
        {
            _device.InjectBatch(b);
        }
        // Rounds until one allocates nothing (Allocations: one-off JIT and type loads on this thread depend on what the
        // tests running beside this one loaded first; an allocation per frame shows in every round).
        var rounds = Allocations.UntilSteady(() =>
        {
            for (var round = 0; round < 10; round++)
            {
                foreach (var b in batches)
                {
                    _device.InjectBatch(b);
                }
            }
        });

        Assert.True(Allocations.Settled(rounds), Allocations.Describe(rounds));
        Assert.Equal(1_000 + (rounds.Count * 10_000), _device.Transmitter(0).Counters.Sent);
        Assert.Equal((1 + (rounds.Count * 10)) * batches.Count, _device.Transmitter(0).Counters.Flushes);
    }
}
