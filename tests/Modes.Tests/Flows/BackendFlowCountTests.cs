using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Selection;
using LoadBalancer.Modes.Tests.Pipeline;
using LoadBalancer.Modes.Tests.TestSupport;
using static LoadBalancer.Modes.Tests.Pipeline.TestEnvironment;

namespace LoadBalancer.Modes.Tests.Flows;

public class BackendFlowCountTests
{
    private const byte Syn = 0x02;
    private const byte Ack = 0x10;
    private const byte Fin = 0x01;
    private const byte Rst = 0x04;

    private static FlowKey Key(int i) => new(0xC0A80000u + (uint)(i >> 12), 0x0A000064, (ushort)(1024 + (i & 0xFFF)), 80, 6);

    private static FlowEntry Entry(ushort counter, FlowState state = FlowState.SynSeen)
        => new() { BackendAddress = 0x0A010000u + counter, BackendPort = 8080, FlowCounter = counter, State = state };

    private static ConnectionTable Table(ManualTimeProvider time, int capacity = 1000, TableFullBehavior whenFull = TableFullBehavior.EvictOldestIdle)
        => new(new ConnectionTableOptions
        {
            Capacity = capacity,
            WhenFull = whenFull,
            SynSeenTimeout = TimeSpan.FromSeconds(5),
            EstablishedTimeout = TimeSpan.FromSeconds(100),
            ClosingTimeout = TimeSpan.FromSeconds(2),
            UdpTimeout = TimeSpan.FromSeconds(10),
        }, time);

    [Fact]
    public void Insert_FlowsOnTwoBackends_CountedPerBackend()
    {
        var time = new ManualTimeProvider();
        ConnectionTable table = Table(time);
        for (int i = 0; i < 7; i++)
        {
            FlowEntry e = Entry((ushort)(i < 5 ? 1 : 2));
            Assert.Equal(InsertOutcome.Inserted, table.TryInsert(Key(i), ref e, ReverseKind.None, time.GetTimestamp()));
        }

        // A second SYN of a tracked flow is the same flow, not a new one.
        FlowEntry again = Entry(2);
        Assert.Equal(InsertOutcome.Existing, table.TryInsert(Key(0), ref again, ReverseKind.None, time.GetTimestamp()));

        Assert.Equal(5, table.ActiveFlows(1));
        Assert.Equal(2, table.ActiveFlows(2));
        Assert.Equal(0, table.ActiveFlows(3));
    }

    [Fact]
    public void FinOrRst_EitherDirection_StopsCountingAndReusedTupleCountsAgain()
    {
        var time = new ManualTimeProvider();
        ConnectionTable table = Table(time);
        for (int i = 0; i < 3; i++)
        {
            FlowEntry e = Entry(1);
            FlowKey key = Key(i);
            table.TryInsert(key, ref e, ReverseKind.Nat, time.GetTimestamp());
            table.TryGetForward(key, time.GetTimestamp(), Ack, out _);
        }

        Assert.Equal(3, table.ActiveFlows(1));
        table.TryGetForward(Key(0), time.GetTimestamp(), Fin | Ack, out _);
        table.TryGetForward(Key(0), time.GetTimestamp(), Ack, out _);
        Assert.Equal(2, table.ActiveFlows(1));

        // The backend's RST (a reply) closes the second flow.
        var reply = new FlowKey(0x0A010001, Key(1).SourceAddress, 8080, Key(1).SourcePort, 6);
        Assert.True(table.TryGetReverse(reply, fullNat: false, time.GetTimestamp(), Rst, out _, out _));
        Assert.Equal(1, table.ActiveFlows(1));

        // The client reuses the closed 4-tuple for a new connection: the closed flow goes, the new one counts once inserted.
        Assert.False(table.TryGetForward(Key(0), time.GetTimestamp(), Syn, out _));
        Assert.Equal(2, table.Count);
        Assert.Equal(1, table.Restarts);
        Assert.Equal(1, table.ActiveFlows(1));
        FlowEntry reused = Entry(1);
        reused.State = FlowState.SynSeen;
        Assert.Equal(InsertOutcome.Inserted, table.TryInsert(Key(0), ref reused, ReverseKind.Nat, time.GetTimestamp()));
        Assert.Equal(2, table.ActiveFlows(1));

        // A closing flow that expires is not subtracted twice.
        time.Advance(TimeSpan.FromSeconds(3));
        table.Sweep(time.GetTimestamp());
        Assert.Equal(2, table.Count);
        Assert.Equal(2, table.ActiveFlows(1));
    }

    [Fact]
    public void Expiry_BySweepAndByLookup_Uncounts()
    {
        var time = new ManualTimeProvider();
        ConnectionTable table = Table(time);
        for (int i = 0; i < 10; i++)
        {
            FlowEntry e = Entry(1);
            table.TryInsert(Key(i), ref e, ReverseKind.None, time.GetTimestamp());
        }

        FlowEntry udp = Entry(2, FlowState.Udp);
        table.TryInsert(new FlowKey(0xC0A80101, 0x0A000064, 5000, 53, 17), ref udp, ReverseKind.None, time.GetTimestamp());
        Assert.Equal(10, table.ActiveFlows(1));
        Assert.Equal(1, table.ActiveFlows(2));

        time.Advance(TimeSpan.FromSeconds(6));
        Assert.False(table.TryGetForward(Key(0), time.GetTimestamp(), Ack, out _));
        Assert.Equal(9, table.ActiveFlows(1));
        table.Sweep(time.GetTimestamp(), bucketsPerShard: int.MaxValue);
        Assert.Equal(0, table.ActiveFlows(1));
        Assert.Equal(1, table.ActiveFlows(2));
        time.Advance(TimeSpan.FromSeconds(5));
        table.Sweep(time.GetTimestamp(), bucketsPerShard: int.MaxValue);
        Assert.Equal(0, table.ActiveFlows(2));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Eviction_TableFullOfLiveFlows_CountsFollowTheEvictedFlows()
    {
        var time = new ManualTimeProvider();
        ConnectionTable table = Table(time, capacity: 64);
        var inserted = new List<(FlowKey Key, ushort Counter)>();
        for (int i = 0; i < 400; i++)
        {
            var counter = (ushort)(1 + (i % 3));
            FlowEntry e = Entry(counter);
            FlowKey key = Key(i);
            if (table.TryInsert(key, ref e, ReverseKind.Nat, time.GetTimestamp()) == InsertOutcome.Inserted)
            {
                inserted.Add((key, counter));
            }

            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.True(table.Evictions > 0, "the table should have evicted");
        AssertCountsMatchTable(table, inserted, counters: 3);
    }

    [Fact]
    public void Refusals_FullTableAndReplyCollision_CountNothing()
    {
        var time = new ManualTimeProvider();
        ConnectionTable table = Table(time, capacity: 4, whenFull: TableFullBehavior.RefuseNew);
        for (int i = 0; i < 10; i++)
        {
            FlowEntry e = Entry(1);
            table.TryInsert(Key(i), ref e, ReverseKind.None, time.GetTimestamp());
        }

        Assert.Equal(table.Count, table.ActiveFlows(1));
        Assert.True(table.Refusals > 0);

        // Two flows whose NAT replies would look the same: the second is refused and not counted.
        ConnectionTable nat = Table(time);
        FlowEntry first = Entry(2);
        FlowEntry second = Entry(2);
        var a = new FlowKey(0xC0A80001, 0x0A000064, 4000, 80, 6);
        var b = new FlowKey(0xC0A80001, 0x0A000065, 4000, 80, 6);
        Assert.Equal(InsertOutcome.Inserted, nat.TryInsert(a, ref first, ReverseKind.Nat, time.GetTimestamp()));
        Assert.Equal(InsertOutcome.ReplyCollision, nat.TryInsert(b, ref second, ReverseKind.Nat, time.GetTimestamp()));
        Assert.Equal(1, nat.ActiveFlows(2));
    }

    [Fact]
    public void RandomOpenCloseExpireEvict_FourThreads_CountsEqualTheTable()
    {
        var time = new ManualTimeProvider();
        ConnectionTable table = Table(time, capacity: 2048);
        var threads = new Thread[4];
        for (int t = 0; t < threads.Length; t++)
        {
            int seed = t;
            threads[t] = new Thread(() =>
            {
                var random = new Random(seed);
                for (int n = 0; n < 20_000; n++)
                {
                    int i = (seed << 14) | random.Next(4096);
                    long now = time.GetTimestamp();
                    switch (random.Next(4))
                    {
                        case 0:
                        case 1:
                            FlowEntry e = Entry((ushort)(1 + random.Next(4)));
                            table.TryInsert(Key(i), ref e, ReverseKind.Nat, now);
                            break;
                        case 2:
                            table.TryGetForward(Key(i), now, random.Next(3) == 0 ? (byte)(Fin | Ack) : random.Next(2) == 0 ? Syn : Ack, out _);
                            break;
                        default:
                            table.Sweep(now, 4);
                            break;
                    }
                }
            });
        }

        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        for (int k = 0; k < 50; k++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            Thread.Sleep(1);
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        var all = new List<(FlowKey, ushort)>();
        for (int t = 0; t < threads.Length; t++)
        {
            for (int i = 0; i < 4096; i++)
            {
                all.Add((Key((t << 14) | i), 0));
            }
        }

        AssertCountsMatchTable(table, all, counters: 4);
    }

    [Fact]
    public void LeastConn_ThroughProcessor_NewFlowsGoToTheEmptierBackendByWeight()
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 1024 }, time);
        var source = new L4SnapshotSource(LeastConnSnapshot(table, weightB: 1));
        var processor = new L4Processor(source, table);

        // Equal weights: flows alternate, so the counts never differ by more than one.
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(Verdict.Tx, Open(processor, (ushort)(30000 + i)).Verdict);
            Assert.InRange(Math.Abs(table.ActiveFlows(1) - table.ActiveFlows(2)), 0, 1);
        }

        Assert.Equal(5, table.ActiveFlows(1));
        Assert.Equal(5, table.ActiveFlows(2));

        // Close four of backend 1's flows: the next four new flows all go to backend 1.
        int closed = 0;
        for (int i = 0; i < 10 && closed < 4; i++)
        {
            var key = new FlowKey(Ipv4Address.Parse(Client), Ipv4Address.Parse(Vip), (ushort)(30000 + i), 80, 6);
            table.TryGetForward(key, time.GetTimestamp(), 0, out FlowEntry entry);
            if (entry.FlowCounter == 1)
            {
                table.TryGetForward(key, time.GetTimestamp(), Fin | Ack, out _);
                closed++;
            }
        }

        Assert.Equal(1, table.ActiveFlows(1));
        for (int i = 0; i < 4; i++)
        {
            ForwardResult r = Open(processor, (ushort)(31000 + i), out byte[] output);
            Assert.Equal(0x0A01000Bu, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(output.AsSpan(r.Offset + 30)));
        }

        Assert.Equal(5, table.ActiveFlows(1));

        // Weight 3 on backend 2: it takes three flows for each of backend 1's.
        source.Publish(LeastConnSnapshot(table, weightB: 3));
        for (int i = 0; i < 20; i++)
        {
            Open(processor, (ushort)(32000 + i));
        }

        Assert.Equal(30, table.ActiveFlows(1) + table.ActiveFlows(2));
        Assert.InRange(table.ActiveFlows(2) / (double)table.ActiveFlows(1), 2.4, 3.6);
    }

    private static ForwardResult Open(L4Processor processor, ushort port) => Open(processor, port, out _);

    private static ForwardResult Open(L4Processor processor, ushort port, out byte[] output)
        => GoldenFixtureTests.Run(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, port, 80, Frames.Syn), 64, out output);

    private static L4Snapshot LeastConnSnapshot(ConnectionTable table, int weightB)
    {
        EthernetAddress.TryParse("02:00:00:00:01:01", out EthernetAddress m1);
        EthernetAddress.TryParse("02:00:00:00:01:02", out EthernetAddress m2);
        L4Backend[] backends = [new(0x0A01000B, 8080, m1, 2, 1, FlowCounter: 1), new(0x0A01000C, 8080, m2, 2, weightB, FlowCounter: 2)];
        var service = new L4Service
        {
            Vip = Ipv4Address.Parse(Vip),
            Port = 80,
            Protocol = 6,
            Mode = NatForwardingMode.Instance,
            Backends = backends,
            Selector = BackendSelectorFactory.Create("leastconn", [new("b1", 1), new("b2", weightB)], table.FlowCounters, [1, 2]),
            ChecksumMode = ChecksumMode.Full,
        };
        EthernetAddress.TryParse(BalancerMac, out EthernetAddress mac);
        return new L4Snapshot([service], mac);
    }

    /// <summary>Looks every key up without changing its state (flags 0, clock not moved) and compares the live, not closing flows per counter with the table's counts.</summary>
    private static void AssertCountsMatchTable(ConnectionTable table, List<(FlowKey Key, ushort Counter)> keys, int counters)
    {
        var expected = new int[counters + 1];
        long now = table.TimeProvider.GetTimestamp();
        int live = 0;
        foreach ((FlowKey key, _) in keys)
        {
            if (table.TryGetForward(key, now, 0, out FlowEntry entry))
            {
                live++;
                if (entry.State != FlowState.Closing)
                {
                    expected[entry.FlowCounter]++;
                }
            }
        }

        // Lookups above may expire flows (and uncount them), so the table's count is read after them.
        Assert.Equal(live, table.Count);
        for (ushort c = 1; c <= counters; c++)
        {
            Assert.Equal(expected[c], table.ActiveFlows(c));
        }
    }
}
