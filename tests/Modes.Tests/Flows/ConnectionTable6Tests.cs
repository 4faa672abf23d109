using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Tests.TestSupport;

namespace LoadBalancer.Modes.Tests.Flows;

public class ConnectionTable6Tests
{
    private const byte Syn = 0x02;
    private const byte Ack = 0x10;
    private const byte Fin = 0x01;
    private static readonly UInt128 Vip6 = Ipv6Address.Parse("2001:db8::200");
    private static readonly UInt128 Backend6 = Ipv6Address.Parse("2001:db8:10::11");
    private static readonly UInt128 Source6 = Ipv6Address.Parse("2001:db8:10::1");

    // Clients differ in the low and the high 64 bits, so both halves of the address take part in shard and bucket choice.
    private static FlowKey6 Key(int i, byte protocol = 6)
        => new(Ipv6Address.Parse("2001:db8:1::") + ((UInt128)(uint)(i >> 12) << 64) + (uint)i, Vip6, (ushort)(1024 + (i & 0xFFF)), 80, protocol);

    private static FlowEntry6 Entry(FlowState state = FlowState.SynSeen, ushort counter = 0)
        => new() { BackendAddress = Backend6, BackendPort = 8080, State = state, FlowCounter = counter };

    [Fact]
    public void TryGetForward_AfterInsert_ReturnsStoredBackendAndMovesState()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable6(new ConnectionTableOptions { Capacity = 100 }, time);
        FlowEntry6 e = Entry();
        Assert.Equal(InsertOutcome.Inserted, table.TryInsert(Key(1), ref e, ReverseKind.None, time.GetTimestamp()));
        Assert.True(table.TryGetForward(Key(1), time.GetTimestamp(), Ack, out FlowEntry6 found));
        Assert.Equal(Backend6, found.BackendAddress);
        Assert.Equal(FlowState.Established, found.State);
        Assert.False(table.TryGetForward(Key(2), time.GetTimestamp(), Ack, out _));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void TryGetForward_IdleBeyondTimeout_Expires()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable6(new ConnectionTableOptions { Capacity = 100, SynSeenTimeout = TimeSpan.FromSeconds(5) }, time);
        FlowEntry6 e = Entry();
        table.TryInsert(Key(1), ref e, ReverseKind.None, time.GetTimestamp());
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.True(table.TryGetForward(Key(1), time.GetTimestamp(), Syn, out _));
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.False(table.TryGetForward(Key(1), time.GetTimestamp(), Syn, out _));
        Assert.Equal(1, table.Expirations);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void TryInsert_FullWithRefuseNew_RefusesAndCounts()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable6(new ConnectionTableOptions { Capacity = 8, WhenFull = TableFullBehavior.RefuseNew }, time);
        for (int i = 0; i < 8; i++)
        {
            FlowEntry6 e = Entry();
            Assert.Equal(InsertOutcome.Inserted, table.TryInsert(Key(i), ref e, ReverseKind.None, time.GetTimestamp()));
        }

        FlowEntry6 extra = Entry();
        Assert.Equal(InsertOutcome.Refused, table.TryInsert(Key(100), ref extra, ReverseKind.None, time.GetTimestamp()));
        Assert.Equal(1, table.Refusals);
        Assert.Equal(8, table.Count);
    }

    [Fact]
    public void TryInsert_FullWithEvictOldestIdle_EvictsOneFlowToAdmitTheNewOne()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable6(new ConnectionTableOptions { Capacity = 8, WhenFull = TableFullBehavior.EvictOldestIdle }, time);
        for (int i = 0; i < 8; i++)
        {
            FlowEntry6 e = Entry();
            table.TryInsert(Key(i), ref e, ReverseKind.None, time.GetTimestamp());
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        FlowEntry6 extra = Entry();
        Assert.Equal(InsertOutcome.Inserted, table.TryInsert(Key(100), ref extra, ReverseKind.None, time.GetTimestamp()));
        Assert.Equal(1, table.Evictions);
        Assert.Equal(8, table.Count);
        Assert.True(table.TryGetForward(Key(100), time.GetTimestamp(), Ack, out _));
        Assert.Equal(7, Enumerable.Range(0, 8).Count(i => table.TryGetForward(Key(i), time.GetTimestamp(), Ack, out _)));
    }

    [Fact]
    public void TryGetReverse_NatReply_FindsForwardFlow()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable6(new ConnectionTableOptions { Capacity = 100 }, time);
        FlowEntry6 e = Entry();
        table.TryInsert(Key(7), ref e, ReverseKind.Nat, time.GetTimestamp());
        var reply = new FlowKey6(Backend6, Key(7).SourceAddress, 8080, Key(7).SourcePort, 6);
        Assert.True(table.TryGetReverse(reply, fullNat: false, time.GetTimestamp(), Ack, out FlowKey6 forward, out _));
        Assert.Equal(Key(7), forward);
        Assert.False(table.TryGetReverse(new FlowKey6(Backend6 + 1, Key(7).SourceAddress, 8080, Key(7).SourcePort, 6), false, time.GetTimestamp(), Ack, out _, out _));
    }

    [Fact]
    public void TryInsert_FullNat66_DistinctPortsReturnedToPoolWhenFlowsExpire()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable6(new ConnectionTableOptions { Capacity = 100_000, UdpTimeout = TimeSpan.FromSeconds(1) }, time);
        long before = table.AvailableNatPorts(Source6);
        var ports = new HashSet<ushort>();
        for (int i = 0; i < 500; i++)
        {
            FlowEntry6 e = Entry(FlowState.Udp);
            e.NatAddress = Source6;
            Assert.Equal(InsertOutcome.Inserted, table.TryInsert(Key(i, 17), ref e, ReverseKind.FullNat, time.GetTimestamp()));
            Assert.True(ports.Add(e.NatPort), $"port {e.NatPort} reused while live");
            var reply = new FlowKey6(Backend6, Source6, 8080, e.NatPort, 17);
            Assert.True(table.TryGetReverse(reply, fullNat: true, time.GetTimestamp(), 0, out FlowKey6 forward, out _));
            Assert.Equal(Key(i, 17), forward);
        }

        Assert.Equal(before - 500, table.AvailableNatPorts(Source6));
        time.Advance(TimeSpan.FromSeconds(2));
        table.Sweep(time.GetTimestamp(), int.MaxValue);
        Assert.Equal(0, table.Count);
        Assert.Equal(before, table.AvailableNatPorts(Source6));
    }

    [Fact]
    public void TryInsert_FullNat66PortsExhausted_RefusedUntilExpiredPortsAreReclaimed()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable6(new ConnectionTableOptions { Capacity = 200_000, UdpTimeout = TimeSpan.FromSeconds(1) }, time);
        int ports = (int)table.AvailableNatPorts(Source6);
        for (int i = 0, inserted = 0; inserted < ports && i < ports * 4; i++)
        {
            FlowEntry6 e = Entry(FlowState.Udp);
            e.NatAddress = Source6;
            inserted += table.TryInsert(Key(i, 17), ref e, ReverseKind.FullNat, time.GetTimestamp()) == InsertOutcome.Inserted ? 1 : 0;
        }

        Assert.Equal(0, table.AvailableNatPorts(Source6));
        var extra = new FlowKey6(Ipv6Address.Parse("2001:db8:99::1"), Vip6, 5555, 53, 17);
        FlowEntry6 refused = Entry(FlowState.Udp);
        refused.NatAddress = Source6;
        Assert.Equal(InsertOutcome.PortsExhausted, table.TryInsert(extra, ref refused, ReverseKind.FullNat, time.GetTimestamp()));
        time.Advance(TimeSpan.FromSeconds(2));
        FlowEntry6 later = Entry(FlowState.Udp);
        later.NatAddress = Source6;
        Assert.Equal(InsertOutcome.Inserted, table.TryInsert(extra, ref later, ReverseKind.FullNat, time.GetTimestamp()));
    }

    [Fact]
    public void Ipv6Twin_SharesFlowCountersAndIsSummedAndSweptByTheIpv4Table()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 64, UdpTimeout = TimeSpan.FromSeconds(1) }, time);
        Assert.False(table.HasIpv6);
        ConnectionTable6 twin = table.Ipv6;
        Assert.True(table.HasIpv6);
        Assert.Same(twin, table.Ipv6);
        Assert.Same(table.FlowCounters, twin.FlowCounters);

        FlowEntry v4 = new() { BackendAddress = 0x0A01000B, BackendPort = 8080, State = FlowState.SynSeen, FlowCounter = 5 };
        Assert.Equal(InsertOutcome.Inserted, table.TryInsert(new FlowKey(0xC0A8010A, 0x0A000064, 40000, 80, 6), ref v4, ReverseKind.None, time.GetTimestamp()));
        FlowEntry6 tcp = Entry(counter: 5);
        FlowEntry6 udp = Entry(FlowState.Udp, counter: 6);
        Assert.Equal(InsertOutcome.Inserted, twin.TryInsert(Key(1), ref tcp, ReverseKind.Nat, time.GetTimestamp()));
        Assert.Equal(InsertOutcome.Inserted, twin.TryInsert(Key(2, 17), ref udp, ReverseKind.Nat, time.GetTimestamp()));

        Assert.Equal(3, table.Count);
        Assert.Equal(3, table.Inserts);
        Assert.Equal(2, table.ActiveFlows(5));
        Assert.True(twin.TryGetForward(Key(1), time.GetTimestamp(), Fin | Ack, out _));
        Assert.Equal(1, table.ActiveFlows(5));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, table.Sweep(time.GetTimestamp(), int.MaxValue));
        Assert.Equal(2, table.Count);
        Assert.Equal(1, table.Expirations);
        Assert.Equal(0, table.ActiveFlows(6));
        Assert.True(twin.TryRemoveForRestart(Key(1)));
        Assert.Equal(1, table.Restarts);
        Assert.Equal(1, table.Count);
    }
}
