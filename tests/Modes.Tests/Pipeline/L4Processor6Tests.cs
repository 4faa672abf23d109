using System.Buffers.Binary;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Selection;
using LoadBalancer.Modes.Tests.TestSupport;
using static LoadBalancer.Modes.Tests.Pipeline.TestEnvironment;
using F6 = LoadBalancer.Modes.Tests.TestSupport.Frames6;

namespace LoadBalancer.Modes.Tests.Pipeline;

public class L4Processor6Tests
{
    private const string B1 = "2001:db8:10::11";
    private const string B2 = "2001:db8:10::12";

    private sealed class ConstantSelector(int index) : IBackendSelector
    {
        public string Name => "constant";

        public int Select(ulong flowHash) => index;
    }

    [Fact]
    public void Process_SynOnTrackedFlowWhoseBackendTakesNoNewFlows_SelectsAgain()
    {
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 1024 }, new ManualTimeProvider());
        var source = new L4SnapshotSource(Snapshot(new ConstantSelector(0)));
        var processor = new L4Processor(source, table);
        Send(processor, Syn(), out _);

        // Backend 0 is marked down (weight 0); its RST never reached us, and the client reuses the port for a new SYN.
        source.Publish(Snapshot(new ConstantSelector(1), firstWeight: 0));
        ForwardResult syn = Send(processor, Syn(), out byte[] synOut);
        ForwardResult ack = Send(processor, F6.Tcp(ClientMac, BalancerMac, Client6, Vip6, ClientPort, 80, Frames.Ack), out byte[] ackOut);
        ForwardResult oldReply = Send(processor, F6.Tcp(BackendRouterMac, BalancerMac, B1, Client6, 8080, ClientPort, Frames.Syn | Frames.Ack), out _);
        ForwardResult newReply = Send(processor, F6.Tcp(BackendRouterMac, BalancerMac, B2, Client6, 8080, ClientPort, Frames.Syn | Frames.Ack), out _);

        Assert.Equal(B2, Destination(synOut, syn));
        Assert.Equal(B2, Destination(ackOut, ack));
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
        Send(processor, Syn(), out _);
        source.Publish(Snapshot(new ConstantSelector(1)));
        ForwardResult retransmit = Send(processor, Syn(), out byte[] output);

        Assert.Equal(B1, Destination(output, retransmit));
        Assert.Equal(0, table.Restarts);
        Assert.Equal(1, processor.Counters.NewFlows);
    }

    [Fact]
    public void Process_BackendRemovedFromConfig_FlowDroppedAsNoBackend()
    {
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 1024 }, new ManualTimeProvider());
        var source = new L4SnapshotSource(Snapshot(new ConstantSelector(0)));
        var processor = new L4Processor(source, table);
        Send(processor, Syn(), out _);
        source.Publish(Snapshot(new ConstantSelector(0), onlySecond: true));
        ForwardResult ack = Send(processor, F6.Tcp(ClientMac, BalancerMac, Client6, Vip6, ClientPort, 80, Frames.Ack), out _);
        Assert.Equal(DropReason.NoBackend, ack.Reason);
    }

    [Fact]
    public void Process_TableFullOfIpv6Flows_NewFlowRefusedAsTableFullAndIpv4StillServed()
    {
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 2, WhenFull = TableFullBehavior.RefuseNew }, new ManualTimeProvider());
        var processor = new L4Processor(new L4SnapshotSource(BuildSnapshot()), table);
        for (ushort port = 1; port <= 2; port++)
        {
            Assert.Equal(Verdict.Tx, Send(processor, F6.Tcp(ClientMac, BalancerMac, Client6, Vip6, port, NatTcpPort, Frames.Syn), out _).Verdict);
        }

        ForwardResult third = Send(processor, F6.Tcp(ClientMac, BalancerMac, Client6, Vip6, 3, NatTcpPort, Frames.Syn), out _);
        ForwardResult ipv4 = Send(processor, Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, NatTcpPort, Frames.Syn), out _);

        Assert.Equal(DropReason.TableFull, third.Reason);
        Assert.Equal(Verdict.Tx, ipv4.Verdict);
        Assert.Equal(1, processor.Counters.GetDrops(DropReason.TableFull));
        Assert.Equal(3, table.Count);
    }

    [Fact]
    public void Process_TunnelSynWithFullSizeMss_OuterHeaderAndClampAddUpTo1500()
    {
        (L4Processor processor, _, _) = BuildProcessor();
        byte[] mss1460 = [2, 4, 0x05, 0xB4];
        ForwardResult r = Send(processor, F6.Tcp(ClientMac, BalancerMac, Client6, Vip6, ClientPort, TunnelTcpPort, Frames.Syn, options: mss1460), out byte[] output);

        Span<byte> outer = output.AsSpan(r.Offset + 14);
        Span<byte> inner = outer[40..];
        int innerLength = 40 + BinaryPrimitives.ReadUInt16BigEndian(inner[4..]);
        Assert.Equal(Verdict.Tx, r.Verdict);
        Assert.Equal(64 - 40, r.Offset);
        Assert.Equal(41, outer[6]);
        Assert.Equal(innerLength, BinaryPrimitives.ReadUInt16BigEndian(outer[4..]));
        Assert.Equal(14 + 40 + innerLength, r.Length);

        // The client's MSS loses the outer header's 40 bytes, so its segments still fit the link inside the tunnel.
        Assert.Equal(1420, BinaryPrimitives.ReadUInt16BigEndian(inner[(40 + 22)..]));
    }

    private static byte[] Syn() => F6.Tcp(ClientMac, BalancerMac, Client6, Vip6, ClientPort, 80, Frames.Syn);

    private static L4Snapshot Snapshot(IBackendSelector selector, bool onlySecond = false, int firstWeight = 1)
    {
        EthernetAddress.TryParse("02:00:00:00:01:01", out EthernetAddress m1);
        EthernetAddress.TryParse("02:00:00:00:01:02", out EthernetAddress m2);
        L4Backend b1 = new(0, 8080, m1, 2, firstWeight, 0, Ipv6Address.Parse(B1));
        L4Backend b2 = new(0, 8080, m2, 2, 1, 0, Ipv6Address.Parse(B2));
        var service = new L4Service
        {
            Vip6 = Ipv6Address.Parse(Vip6),
            Port = 80,
            Protocol = 6,
            Mode = NatForwardingMode.Instance,
            Backends = onlySecond ? [b2] : [b1, b2],
            Selector = selector,
        };
        EthernetAddress.TryParse(BalancerMac, out EthernetAddress mac);
        return new L4Snapshot([service], mac);
    }

    private static ForwardResult Send(L4Processor processor, byte[] frame, out byte[] buffer)
        => GoldenFixtureTests.Run(processor, frame, 64, out buffer);

    private static string Destination(byte[] buffer, ForwardResult r)
        => Ipv6Address.Format(BinaryPrimitives.ReadUInt128BigEndian(buffer.AsSpan(r.Offset + 14 + 24)));
}
