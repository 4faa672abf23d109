using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Selection;
using LoadBalancer.Modes.Tests.TestSupport;
using static LoadBalancer.Modes.Tests.Pipeline.TestEnvironment;

namespace LoadBalancer.Modes.Tests.Pipeline;

public class L4ProcessorTests
{
    private sealed class ConstantSelector(int index) : IBackendSelector
    {
        public string Name => "constant";

        public int Select(ulong flowHash) => index;
    }

    [Fact]
    public void Process_HealthySetChanges_TrackedFlowKeepsItsBackend()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 1024 }, time);
        var source = new L4SnapshotSource(Snapshot(new ConstantSelector(0)));
        var processor = new L4Processor(source, table);
        ForwardResult syn = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Syn), out byte[] synOut);
        Assert.Equal(Verdict.Tx, syn.Verdict);
        Assert.Equal(0x0A01000Bu, ReadDestination(synOut, syn));

        // Backend 0 went down: the new selector sends new flows to backend 1 only.
        source.Publish(Snapshot(new ConstantSelector(1)));
        ForwardResult ack = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Ack), out byte[] ackOut);
        Assert.Equal(0x0A01000Bu, ReadDestination(ackOut, ack));
        ForwardResult other = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort + 2, 80, Frames.Syn), out byte[] otherOut);
        Assert.Equal(0x0A01000Cu, ReadDestination(otherOut, other));
        Assert.Equal(2, processor.Counters.NewFlows);
        Assert.Equal(2, processor.Counters.GetPackets(0, 0, FlowDirection.ToBackend));
        Assert.Equal(1, processor.Counters.GetPackets(0, 1, FlowDirection.ToBackend));
    }

    [Fact]
    public void Process_BackendRemovedFromConfig_FlowDroppedAsNoBackend()
    {
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 1024 }, new ManualTimeProvider());
        var source = new L4SnapshotSource(Snapshot(new ConstantSelector(0)));
        var processor = new L4Processor(source, table);
        Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Syn), out _);
        source.Publish(Snapshot(new ConstantSelector(0), onlySecond: true));
        ForwardResult ack = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Ack), out _);
        Assert.Equal(DropReason.NoBackend, ack.Reason);
        Assert.Equal(1, processor.Counters.GetDrops(DropReason.NoBackend));
    }

    [Fact]
    public void Process_NewFlowBudgetSpent_NewSynShedTrackedFlowAndRetransmittedSynStillForwarded()
    {
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 1024 }, new ManualTimeProvider());
        var processor = new L4Processor(new L4SnapshotSource(Snapshot(new ConstantSelector(0))), table) { NewFlowBudget = 1 };

        ForwardResult first = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Syn), out _);
        ForwardResult second = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort + 2, 80, Frames.Syn), out _);
        ForwardResult tracked = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Ack), out _);
        ForwardResult retransmit = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Syn), out _);
        processor.NewFlowBudget = -1;
        ForwardResult unlimited = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort + 2, 80, Frames.Syn), out _);

        Assert.Equal(Verdict.Tx, first.Verdict);
        Assert.Equal(DropReason.SynShed, second.Reason);
        Assert.Equal(Verdict.Tx, tracked.Verdict);
        Assert.Equal(Verdict.Tx, retransmit.Verdict);
        Assert.Equal(Verdict.Tx, unlimited.Verdict);
        Assert.Equal(1, processor.Counters.GetDrops(DropReason.SynShed));
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void Process_NoSnapshot_DropsWithReason()
    {
        var processor = new L4Processor(new L4SnapshotSource(), new ConnectionTable(new ConnectionTableOptions { Capacity = 16 }));
        ForwardResult r = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Syn), out _);
        Assert.Equal(DropReason.NoSnapshot, r.Reason);
    }

    [Fact]
    public void Process_ReplyCounters_CountBothDirections()
    {
        (L4Processor processor, _, _) = BuildProcessor();
        byte[] request = Frames.Udp(ClientMac, BalancerMac, Client, Vip, ClientPort, NatUdpPort, 32);
        Send(processor, request, out _);
        string b = BackendFor(NatBackends, Client, ClientPort, NatUdpPort, 17);
        int bi = Array.IndexOf(NatBackends, b);
        Send(processor, Frames.Udp(BackendMac(b), BalancerMac, b, Client, 5353, ClientPort, 10), out _);
        Assert.Equal(1, processor.Counters.GetPackets(1, bi, FlowDirection.ToBackend));
        Assert.Equal(request.Length, processor.Counters.GetBytes(1, bi, FlowDirection.ToBackend));
        Assert.Equal(1, processor.Counters.GetPackets(1, bi, FlowDirection.ToClient));
    }

    [Fact]
    public void Registry_EveryModeName_ResolvesToItsMode()
    {
        foreach (string name in new[] { "nat", "fullnat", "tunnel", "dsr" })
        {
            Assert.True(ForwardingModeRegistry.TryGet(name, out IForwardingMode mode));
            Assert.Equal(name, mode.Name);
        }

        Assert.True(ForwardingModeRegistry.TryGet("IPIP", out IForwardingMode ipip));
        Assert.Equal(ForwardingModeKind.Tunnel, ipip.Kind);
        Assert.False(ForwardingModeRegistry.TryGet("bogus", out _));
    }

    [Fact]
    public void Snapshot_InvalidServices_ReportsEveryProblem()
    {
        var services = new[]
        {
            new L4Service { Vip = Ipv4Address.Parse("127.0.0.1"), Port = 1, Protocol = 6, Mode = NatForwardingMode.Instance, Backends = [], Selector = new ConstantSelector(0) },
            new L4Service { Vip = Ipv4Address.Parse(Vip), Port = 2, Protocol = 6, Mode = FullNatForwardingMode.Instance, Backends = [], Selector = new ConstantSelector(0) },
            new L4Service { Vip = Ipv4Address.Parse(Vip), Port = 3, Protocol = 6, Mode = IpipForwardingMode.Instance, Backends = [], Selector = new ConstantSelector(0) },
        };
        var ex = Assert.Throws<ArgumentException>(() => new L4Snapshot(services, default));
        Assert.Contains("127.0.0.1:1/6", ex.Message);
        Assert.Contains("fullnat needs", ex.Message);
        Assert.Contains("tunnel needs", ex.Message);
    }

    [Fact]
    public void Ipv4Address_ParseAndFormat_RoundTrip()
    {
        Assert.Equal(0x0A000001u, Ipv4Address.Parse("10.0.0.1"));
        Assert.Equal("192.168.1.10", Ipv4Address.Format(0xC0A8010A));
        Assert.False(Ipv4Address.TryParse("1.2.3", out _));
        Assert.False(Ipv4Address.TryParse("1.2.3.4.5", out _));
        Assert.False(Ipv4Address.TryParse("1.2.3.256", out _));
        Assert.True(EthernetAddress.TryParse("02:00:00:00:00:fe", out EthernetAddress mac));
        Assert.Equal("02:00:00:00:00:fe", mac.ToString());
    }

    [Fact]
    public void Process_SynOnTrackedFlowWhoseBackendTakesNoNewFlows_SelectsAgain()
    {
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 1024 }, new ManualTimeProvider());
        var source = new L4SnapshotSource(Snapshot(new ConstantSelector(0)));
        var processor = new L4Processor(source, table);
        Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Syn), out _);

        // Backend 0 is marked down (weight 0); its RST never reached us, and the client reuses the port for a new SYN.
        source.Publish(Snapshot(new ConstantSelector(1), firstWeight: 0));
        ForwardResult syn = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Syn), out byte[] synOut);
        ForwardResult ack = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Ack), out byte[] ackOut);
        ForwardResult oldReply = Send(processor, Frames.Tcp(BackendRouterMac, BalancerMac, "10.1.0.11", Client, 8080, ClientPort, Frames.Syn | Frames.Ack), out _);
        ForwardResult newReply = Send(processor, Frames.Tcp(BackendRouterMac, BalancerMac, "10.1.0.12", Client, 8080, ClientPort, Frames.Syn | Frames.Ack), out _);

        Assert.Equal(0x0A01000Cu, ReadDestination(synOut, syn));
        Assert.Equal(0x0A01000Cu, ReadDestination(ackOut, ack));
        Assert.Equal(DropReason.NotForVip, oldReply.Reason);
        Assert.Equal(Verdict.Tx, newReply.Verdict);
        Assert.Equal(1, table.Count);
        Assert.Equal(1, table.Restarts);
        Assert.Equal(2, processor.Counters.NewFlows);
    }

    [Fact]
    public void Process_RetransmittedSynWhileBackendStillTakesFlows_KeepsItsBackend()
    {
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 1024 }, new ManualTimeProvider());
        var source = new L4SnapshotSource(Snapshot(new ConstantSelector(0)));
        var processor = new L4Processor(source, table);
        Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Syn), out _);
        source.Publish(Snapshot(new ConstantSelector(1)));
        ForwardResult retransmit = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Syn), out byte[] output);

        Assert.Equal(0x0A01000Bu, ReadDestination(output, retransmit));
        Assert.Equal(0, table.Restarts);
        Assert.Equal(1, processor.Counters.NewFlows);
    }

    [Fact]
    public void Process_UnknownFlowWithoutSyn_UsesTheReselectSelector_NewFlowsTheMainOne()
    {
        // Just after a start: backend 1 has no health verdict yet, so new flows go to backend 0 only, while a segment of
        // a connection from before the start is put back by the selector that still counts backend 1.
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 1024 }, new ManualTimeProvider());
        var snapshot = Snapshot(new ConstantSelector(0));
        var service = snapshot.Services[0];
        var restarted = new L4Snapshot([new L4Service
        {
            Vip = service.Vip, Port = service.Port, Protocol = service.Protocol, Mode = service.Mode, Backends = service.Backends,
            Selector = new ConstantSelector(0), ReselectSelector = new ConstantSelector(1), ChecksumMode = service.ChecksumMode,
        }], snapshot.BalancerMac);
        var processor = new L4Processor(new L4SnapshotSource(restarted), table);

        ForwardResult old = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Ack), out byte[] oldOut);
        ForwardResult again = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Ack), out byte[] againOut);
        ForwardResult syn = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort + 2, 80, Frames.Syn), out byte[] synOut);

        Assert.Equal(0x0A01000Cu, ReadDestination(oldOut, old));
        Assert.Equal(0x0A01000Cu, ReadDestination(againOut, again));
        Assert.Equal(0x0A01000Bu, ReadDestination(synOut, syn));
        Assert.Equal(2, table.Count);

        // Backend 1 not resolved yet (no MAC): the old connection's segment waits for its retransmission, untracked.
        var unresolved = new L4Snapshot([new L4Service
        {
            Vip = service.Vip, Port = service.Port, Protocol = service.Protocol, Mode = service.Mode,
            Backends = [service.Backends[0], service.Backends[1] with { Mac = default }],
            Selector = new ConstantSelector(0), ReselectSelector = new ConstantSelector(1), ChecksumMode = service.ChecksumMode,
        }], snapshot.BalancerMac);
        var waiting = new L4Processor(new L4SnapshotSource(unresolved), table);
        ForwardResult early = Send(waiting, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort + 4, 80, Frames.Ack), out _);
        Assert.Equal(DropReason.NoBackend, early.Reason);
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void Process_SynOnClosedTuple_IsANewFlowWithItsOwnSelection()
    {
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 1024 }, new ManualTimeProvider());
        var source = new L4SnapshotSource(Snapshot(new ConstantSelector(0)));
        var processor = new L4Processor(source, table);
        Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Syn), out _);
        Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Ack), out _);
        Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Fin | Frames.Ack), out _);
        Assert.Equal(0, table.ActiveFlows(0));

        // Both backends still take flows, but the selector now prefers backend 1 (e.g. least connections).
        source.Publish(Snapshot(new ConstantSelector(1)));
        ForwardResult syn = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, 80, Frames.Syn), out byte[] output);

        Assert.Equal(0x0A01000Cu, ReadDestination(output, syn));
        Assert.Equal(1, table.Count);
        Assert.Equal(1, table.Restarts);
        Assert.Equal(2, processor.Counters.NewFlows);
    }

    private static L4Snapshot Snapshot(IBackendSelector selector, bool onlySecond = false, int firstWeight = 1)
    {
        EthernetAddress.TryParse("02:00:00:00:01:01", out EthernetAddress m1);
        EthernetAddress.TryParse("02:00:00:00:01:02", out EthernetAddress m2);
        L4Backend b1 = new(0x0A01000B, 8080, m1, 2, firstWeight);
        L4Backend b2 = new(0x0A01000C, 8080, m2, 2, 1);
        var service = new L4Service
        {
            Vip = Ipv4Address.Parse(Vip),
            Port = 80,
            Protocol = 6,
            Mode = NatForwardingMode.Instance,
            Backends = onlySecond ? [b2] : [b1, b2],
            Selector = selector,
            ChecksumMode = ChecksumMode.Full,
        };
        EthernetAddress.TryParse(BalancerMac, out EthernetAddress mac);
        return new L4Snapshot([service], mac);
    }

    private static ForwardResult Send(L4Processor processor, byte[] frame, out byte[] buffer)
        => GoldenFixtureTests.Run(processor, frame, 64, out buffer);

    private static uint ReadDestination(byte[] buffer, ForwardResult r)
        => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(r.Offset + 14 + 16));
}
