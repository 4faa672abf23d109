using System.Runtime.CompilerServices;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Tests.TestSupport;

namespace LoadBalancer.Modes.Tests.Flows;

public class ConnectionTableTests
{
    private const byte Syn = 0x02;
    private const byte Ack = 0x10;
    private const byte Fin = 0x01;

    private static FlowKey Key(int i, byte protocol = 6) => new(0xC0A80000u + (uint)(i >> 12), 0x0A000064, (ushort)(1024 + (i & 0xFFF)), 80, protocol);

    private static FlowEntry Entry(uint backend = 0x0A01000B, FlowState state = FlowState.SynSeen) => new() { BackendAddress = backend, BackendPort = 8080, State = state };

    [Fact]
    public void TryGetForward_AfterInsert_ReturnsStoredBackend()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 100 }, time);
        FlowEntry e = Entry();
        Assert.Equal(InsertOutcome.Inserted, table.TryInsert(Key(1), ref e, ReverseKind.None, time.GetTimestamp()));
        Assert.True(table.TryGetForward(Key(1), time.GetTimestamp(), Ack, out FlowEntry found));
        Assert.Equal(0x0A01000Bu, found.BackendAddress);
        Assert.Equal(FlowState.Established, found.State);
        Assert.False(table.TryGetForward(Key(2), time.GetTimestamp(), Ack, out _));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void TryGetForward_SynSeenIdleBeyondTimeout_Expires()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 100, SynSeenTimeout = TimeSpan.FromSeconds(5) }, time);
        FlowEntry e = Entry();
        table.TryInsert(Key(1), ref e, ReverseKind.None, time.GetTimestamp());
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.True(table.TryGetForward(Key(1), time.GetTimestamp(), Syn, out _));
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.False(table.TryGetForward(Key(1), time.GetTimestamp(), Syn, out _));
        Assert.Equal(1, table.Expirations);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void TryGetForward_EstablishedOutlivesSynTimeout_ClosingUsesShortTimeout()
    {
        var time = new ManualTimeProvider();
        var options = new ConnectionTableOptions
        {
            Capacity = 100,
            SynSeenTimeout = TimeSpan.FromSeconds(5),
            EstablishedTimeout = TimeSpan.FromSeconds(100),
            ClosingTimeout = TimeSpan.FromSeconds(2),
        };
        var table = new ConnectionTable(options, time);
        FlowEntry e = Entry();
        table.TryInsert(Key(1), ref e, ReverseKind.None, time.GetTimestamp());
        Assert.True(table.TryGetForward(Key(1), time.GetTimestamp(), Ack, out FlowEntry established));
        Assert.Equal(FlowState.Established, established.State);
        time.Advance(TimeSpan.FromSeconds(50));
        Assert.True(table.TryGetForward(Key(1), time.GetTimestamp(), Fin | Ack, out FlowEntry closing));
        Assert.Equal(FlowState.Closing, closing.State);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.False(table.TryGetForward(Key(1), time.GetTimestamp(), Ack, out _));
    }

    [Fact]
    public void TryGetForward_UdpFlow_UsesUdpTimeout()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 100, UdpTimeout = TimeSpan.FromSeconds(3) }, time);
        FlowEntry e = Entry(state: FlowState.Udp);
        table.TryInsert(Key(1, 17), ref e, ReverseKind.None, time.GetTimestamp());
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(table.TryGetForward(Key(1, 17), time.GetTimestamp(), 0, out _));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(table.TryGetForward(Key(1, 17), time.GetTimestamp(), 0, out _));
    }

    [Fact]
    public void TryInsert_FullWithRefuseNew_RefusesAndCounts()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 8, WhenFull = TableFullBehavior.RefuseNew }, time);
        for (int i = 0; i < 8; i++)
        {
            FlowEntry e = Entry();
            Assert.Equal(InsertOutcome.Inserted, table.TryInsert(Key(i), ref e, ReverseKind.None, time.GetTimestamp()));
        }

        FlowEntry extra = Entry();
        Assert.Equal(InsertOutcome.Refused, table.TryInsert(Key(100), ref extra, ReverseKind.None, time.GetTimestamp()));
        Assert.Equal(1, table.Refusals);
        Assert.Equal(8, table.Count);
        Assert.True(table.TryGetForward(Key(0), time.GetTimestamp(), Ack, out _));
    }

    [Fact]
    public void TryInsert_FullWithEvictOldestIdle_EvictsTheOldest()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 8, WhenFull = TableFullBehavior.EvictOldestIdle }, time);
        for (int i = 0; i < 8; i++)
        {
            FlowEntry e = Entry();
            table.TryInsert(Key(i), ref e, ReverseKind.None, time.GetTimestamp());
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        // Touch every flow except 3, so 3 is the one idle longest.
        for (int i = 0; i < 8; i++)
        {
            if (i != 3)
            {
                Assert.True(table.TryGetForward(Key(i), time.GetTimestamp(), Ack, out _));
            }
        }

        FlowEntry extra = Entry();
        Assert.Equal(InsertOutcome.Inserted, table.TryInsert(Key(100), ref extra, ReverseKind.None, time.GetTimestamp()));
        Assert.Equal(1, table.Evictions);
        Assert.Equal(8, table.Count);
        Assert.False(table.TryGetForward(Key(3), time.GetTimestamp(), Ack, out _));
        Assert.True(table.TryGetForward(Key(100), time.GetTimestamp(), Ack, out _));
    }

    [Fact]
    public void TryInsert_FullWithEvictOldestIdle_EvictsHalfOpenFlowBeforeOlderEstablishedOne()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 4, WhenFull = TableFullBehavior.EvictOldestIdle }, time);
        FlowEntry established = Entry();
        table.TryInsert(Key(3), ref established, ReverseKind.None, time.GetTimestamp());
        Assert.True(table.TryGetForward(Key(3), time.GetTimestamp(), Ack, out FlowEntry seen));
        Assert.Equal(FlowState.Established, seen.State);
        for (int i = 0; i < 4; i++)
        {
            if (i == 3)
            {
                continue;
            }

            // Half-open flows (a SYN and nothing after), all newer than the established one.
            time.Advance(TimeSpan.FromMilliseconds(10));
            FlowEntry e = Entry();
            table.TryInsert(Key(i), ref e, ReverseKind.None, time.GetTimestamp());
        }

        FlowEntry extra = Entry();
        Assert.Equal(InsertOutcome.Inserted, table.TryInsert(Key(100), ref extra, ReverseKind.None, time.GetTimestamp()));
        Assert.Equal(1, table.Evictions);
        Assert.True(table.TryGetForward(Key(3), time.GetTimestamp(), Ack, out _), "the established flow was evicted although half-open ones were candidates");
        Assert.Equal(2, Enumerable.Range(0, 4).Count(i => i != 3 && table.TryGetForward(Key(i), time.GetTimestamp(), 0, out _)));
    }

    [Fact]
    public void TryGetReverse_NatReply_FindsForwardFlow()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 100 }, time);
        FlowKey key = Key(7);
        FlowEntry e = Entry();
        table.TryInsert(key, ref e, ReverseKind.Nat, time.GetTimestamp());
        var reply = new FlowKey(0x0A01000B, key.SourceAddress, 8080, key.SourcePort, 6);
        Assert.True(table.TryGetReverse(reply, fullNat: false, time.GetTimestamp(), Syn | Ack, out FlowKey forward, out _));
        Assert.Equal(key, forward);
        Assert.False(table.TryGetReverse(new FlowKey(0x0A01000C, key.SourceAddress, 8080, key.SourcePort, 6), false, time.GetTimestamp(), Ack, out _, out _));
    }

    [Fact]
    public void TryInsert_FullNat_PortReturnedToPoolWhenFlowExpires()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 100_000, UdpTimeout = TimeSpan.FromSeconds(1) }, time);
        const uint source = 0x0A010001;
        long before = table.AvailableNatPorts(source);
        var ports = new HashSet<ushort>();
        for (int i = 0; i < 500; i++)
        {
            FlowEntry e = Entry(state: FlowState.Udp);
            e.NatAddress = source;
            Assert.Equal(InsertOutcome.Inserted, table.TryInsert(Key(i, 17), ref e, ReverseKind.FullNat, time.GetTimestamp()));
            Assert.True(ports.Add(e.NatPort), $"port {e.NatPort} reused while live");
            var reply = new FlowKey(e.BackendAddress, source, e.BackendPort, e.NatPort, 17);
            Assert.True(table.TryGetReverse(reply, fullNat: true, time.GetTimestamp(), 0, out FlowKey forward, out _));
            Assert.Equal(Key(i, 17), forward);
        }

        Assert.Equal(before - 500, table.AvailableNatPorts(source));
        time.Advance(TimeSpan.FromSeconds(2));
        table.Sweep(time.GetTimestamp(), int.MaxValue);
        Assert.Equal(0, table.Count);
        Assert.Equal(before, table.AvailableNatPorts(source));
    }

    [Fact]
    public void TryInsert_FullNatPortsExhausted_ReclaimsExpiredPortsBeforeRefusing()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 200_000, UdpTimeout = TimeSpan.FromSeconds(1) }, time);
        const uint source = 0x0A010001;
        int ports = (int)table.AvailableNatPorts(source);
        int inserted = 0;
        for (int i = 0; inserted < ports && i < ports * 4; i++)
        {
            FlowEntry e = Entry(state: FlowState.Udp);
            e.NatAddress = source;
            if (table.TryInsert(Key(i, 17), ref e, ReverseKind.FullNat, time.GetTimestamp()) == InsertOutcome.Inserted)
            {
                inserted++;
            }
        }

        Assert.Equal(0, table.AvailableNatPorts(source));
        FlowEntry refused = Entry(state: FlowState.Udp);
        refused.NatAddress = source;
        FlowKey extra = new(0x0B000001, 0x0A000064, 5555, 53, 17);
        Assert.Equal(InsertOutcome.PortsExhausted, table.TryInsert(extra, ref refused, ReverseKind.FullNat, time.GetTimestamp()));
        time.Advance(TimeSpan.FromSeconds(2));
        FlowEntry later = Entry(state: FlowState.Udp);
        later.NatAddress = source;
        Assert.Equal(InsertOutcome.Inserted, table.TryInsert(extra, ref later, ReverseKind.FullNat, time.GetTimestamp()));
    }

    [Fact]
    public void TryInsert_NatFlowsUpToCapacity_AlmostNoneEvicted()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 100_000 }, time);
        for (int i = 0; i < 100_000; i++)
        {
            FlowEntry e = Entry();
            table.TryInsert(Key(i), ref e, ReverseKind.Nat, time.GetTimestamp());
        }

        Assert.True(table.Evictions + table.Refusals < 100, $"{table.Evictions} evictions, {table.Refusals} refusals before the table was full");
        Assert.True(table.Count > 99_900, $"count {table.Count}");
    }

    [Fact]
    public void TryInsert_ConcurrentThreads_AllFlowsFoundAndCounted()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 200_000 }, time);
        const int threads = 4;
        const int perThread = 20_000;
        int failures = 0;
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() =>
            {
                for (int i = 0; i < perThread; i++)
                {
                    FlowKey key = Key((id * perThread) + i);
                    FlowEntry e = Entry((uint)id);
                    e.NatAddress = 0x0A010001;
                    if (table.TryInsert(key, ref e, (i & 1) == 0 ? ReverseKind.Nat : ReverseKind.FullNat, time.GetTimestamp()) != InsertOutcome.Inserted
                        || !table.TryGetForward(key, time.GetTimestamp(), Ack, out FlowEntry found) || found.BackendAddress != (uint)id)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            });
            workers[t].Start();
        }

        foreach (Thread w in workers)
        {
            w.Join();
        }

        Assert.Equal(0, failures);
        Assert.Equal(threads * perThread, table.Count);
        Assert.Equal(threads * perThread, table.Inserts);
    }

    [Fact]
    public void Constructor_OneMillionFlows_FitsIn160MiB()
    {
        long arrays = Unsafe.SizeOf<FlowKey>() + Unsafe.SizeOf<FlowEntry>();
        // Allocations of this thread only: other tests running in parallel do not move it.
        long before = GC.GetAllocatedBytesForCurrentThread();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 1_000_000 });
        long after = GC.GetAllocatedBytesForCurrentThread();
        long computed = table.SlotCount * arrays;
        Assert.True(table.SlotCount >= 2_000_000, $"only {table.SlotCount} slots");
        Assert.True(computed <= 160L * 1024 * 1024, $"arrays need {computed / (1024 * 1024)} MiB");
        Assert.True(after - before <= 160L * 1024 * 1024, $"heap grew by {(after - before) / (1024 * 1024)} MiB");
        Assert.True(after - before >= computed, $"heap grew by {after - before}, less than the arrays ({computed}): is the table lazily allocated?");
        GC.KeepAlive(table);
    }
}
