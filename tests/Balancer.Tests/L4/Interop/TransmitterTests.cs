using System.Diagnostics;
using System.Net;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.L4.Interop;

/// <summary>The three transmitters on a real veth pair: what a batch does with a bad frame, a burst larger than the ring, a dead interface, frames queued at close, and no allocation per frame.</summary>
[Collection(NetNsCollection.Name)]
public sealed class TransmitterTests(ITestOutputHelper output)
{
    private static readonly IPAddress AddressA = IPAddress.Parse("10.203.0.1");
    private static readonly IPAddress AddressB = IPAddress.Parse("10.203.0.2");

    public static TheoryData<string> Kinds => new() { "sendmmsg", "ring", "pcap" };

    /// <summary>Two namespaces joined by a veth pair; a capture port on B counts what arrives; the transmitter sends from A.</summary>
    private sealed class Pair : IDisposable
    {
        private readonly List<IDisposable> _owned = [];

        public Pair(string kind, TransmitOptions options)
        {
            A = NetworkNamespace.Create(kind[..2] + "a", "lbio");
            B = NetworkNamespace.Create(kind[..2] + "b", "lbio");
            try
            {
                NetworkNamespace.AddVeth(A, "eth0", B, "eth0");
                A.Ip("addr", "add", "10.203.0.1/24", "dev", "eth0");
                B.Ip("addr", "add", "10.203.0.2/24", "dev", "eth0");
                Received = new CapturingFrameHandler();
                Receiver = B.Run(() => PcapPort.Open(new PcapPortOptions("eth0", "udp port 7000"), Received));
                Receiver.Start();
                Transmitter = A.Run<ITransmitter>(() => kind switch
                {
                    "ring" => new RingTransmitter("eth0", options),
                    "pcap" => new PcapTransmitter(Own(PcapPort.Open(new PcapPortOptions("eth0", "udp port 9"), new CapturingFrameHandler()))),
                    _ => new SendmmsgTransmitter("eth0", options),
                });
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public NetworkNamespace A { get; }
        public NetworkNamespace B { get; }
        public PcapPort Receiver { get; } = null!;
        public CapturingFrameHandler Received { get; } = null!;
        public ITransmitter Transmitter { get; } = null!;

        public byte[] Frame(int payload, int sequence) => PacketBuilder.Ethernet(
            Receiver.MacAddress.GetAddressBytes(), [2, 0, 0, 0, 0, 1],
            PacketBuilder.Udp(AddressA, (ushort)(5000 + (sequence % 1000)), AddressB, 7000, new byte[payload]));

        public void WaitForReceived(int count)
        {
            var deadline = Stopwatch.StartNew();
            while (Received.Count < count && deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(10);
            }
            // A little longer: nothing more than expected may arrive.
            Thread.Sleep(200);
        }

        /// <summary>Waits until no frame has arrived for 300 ms (bounded): for bursts the receiver may not keep up with.</summary>
        public void WaitForQuiet()
        {
            var deadline = Stopwatch.StartNew();
            var last = -1;
            while (Received.Count != last && deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                last = Received.Count;
                Thread.Sleep(300);
            }
        }

        private PcapPort Own(PcapPort port)
        {
            _owned.Add(port);
            return port;
        }

        public void Dispose()
        {
            Transmitter?.Dispose();
            Receiver?.Dispose();
            foreach (var o in _owned)
            {
                o.Dispose();
            }
            A?.Dispose();
            B?.Dispose();
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public void Batch_OverMtuFrameInTheMiddle_CountedAndTheRestArrive(string kind)
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var pair = new Pair(kind, new TransmitOptions { BatchSize = 64 });
        var tx = pair.Transmitter;

        for (var i = 0; i < 9; i++)
        {
            tx.Enqueue(pair.Frame(i == 4 ? 1600 : 32, i));
        }
        tx.Flush();
        pair.WaitForReceived(8);

        Assert.Equal(8, pair.Received.Count);
        Assert.Equal(8, tx.Counters.Sent);
        Assert.Equal(1, tx.Counters.GetDrops(TransmitDropReason.OverMtu));
        Assert.Equal(1, tx.Counters.Dropped);
    }

    [Fact]
    public void MMsgHdr_MatchesTheKernelLayout()
    {
        // struct mmsghdr on LP64: a 56-byte struct msghdr, then unsigned int msg_len, padded to 64.
        Assert.Equal(64, System.Runtime.InteropServices.Marshal.SizeOf<MMsgHdr>());
        Assert.Equal(56, (int)System.Runtime.InteropServices.Marshal.OffsetOf<MMsgHdr>(nameof(MMsgHdr.Sent)));
        Assert.Equal(20, System.Runtime.InteropServices.Marshal.SizeOf<SockAddrLl>());
        Assert.Equal(16, System.Runtime.InteropServices.Marshal.SizeOf<TpacketReq>());
    }

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public void Flush_FullBatch_OneSyscallPerBatch(string kind)
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var pair = new Pair(kind, new TransmitOptions { BatchSize = 16 });
        var tx = pair.Transmitter;

        for (var i = 0; i < 64; i++)
        {
            tx.Enqueue(pair.Frame(32, i));
        }
        tx.Flush();
        pair.WaitForReceived(64);

        Assert.Equal(64, pair.Received.Count);
        Assert.Equal(64, tx.Counters.Sent);
        Assert.Equal(kind == "pcap" ? 64 : 4, tx.Counters.Flushes);
    }

    [SkippableFact]
    public void Sendmmsg_KernelRefusesAFrameMidBatch_CountedAndTheRestArrive()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var pair = new Pair("sendmmsg", new TransmitOptions { BatchSize = 64 });
        var tx = pair.Transmitter;
        // The MTU shrinks after the transmitter read it: its own check passes, the kernel refuses with EMSGSIZE.
        pair.A.Ip("link", "set", "eth0", "mtu", "1200");

        for (var i = 0; i < 7; i++)
        {
            tx.Enqueue(pair.Frame(i == 3 ? 1400 : 32, i));
        }
        tx.Flush();
        pair.WaitForReceived(6);

        Assert.Equal(6, pair.Received.Count);
        Assert.Equal(6, tx.Counters.Sent);
        Assert.Equal(1, tx.Counters.GetDrops(TransmitDropReason.OverMtu));
        // sendmmsg sent 3 and stopped at the bad frame; the second call failed on it (counted); the third sent the rest.
        Assert.Equal(3, tx.Counters.Flushes);
    }

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public void Burst_InterfaceDown_NeverBlocksAndEveryFrameIsCounted(string kind)
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        const int offered = 500;
        using var pair = new Pair(kind, new TransmitOptions { BatchSize = 1024, RingFrames = 16 });
        var tx = pair.Transmitter;
        pair.A.Ip("link", "set", "eth0", "down");

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < offered; i++)
        {
            tx.Enqueue(pair.Frame(32, i));
        }
        tx.Flush();
        tx.Dispose();
        var elapsed = clock.Elapsed;
        var c = tx.Counters;
        output.WriteLine($"{kind}: sent {c.Sent}, TxFull {c.GetDrops(TransmitDropReason.TxFull)}, SendError {c.GetDrops(TransmitDropReason.SendError)}, Stopped {c.GetDrops(TransmitDropReason.Stopped)} in {elapsed.TotalMilliseconds:F0} ms");

        Assert.Equal(offered, c.Sent + c.Dropped);
        Assert.Equal(0, c.Sent);
        Assert.InRange(elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public void Burst_LargerThanTheRing_SentOrCountedNeverLostSilently(string kind)
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        const int offered = 5000;
        using var pair = new Pair(kind, new TransmitOptions { BatchSize = 1024, RingFrames = 16 });
        var tx = pair.Transmitter;

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < offered; i++)
        {
            tx.Enqueue(pair.Frame(32, i));
        }
        tx.Flush();
        var elapsed = clock.Elapsed;
        pair.WaitForQuiet();
        var c = tx.Counters;
        output.WriteLine($"{kind}: offered {offered}, sent {c.Sent} in {c.Flushes} syscalls, dropped {c.Dropped} (TxFull {c.GetDrops(TransmitDropReason.TxFull)}), received {pair.Received.Count}, {elapsed.TotalMilliseconds:F0} ms");

        Assert.Equal(offered, c.Sent + c.Dropped);
        Assert.True(c.Sent > 0);
        Assert.InRange(pair.Received.Count, 1, c.Sent);
        Assert.InRange(elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public void Dispose_WithFramesQueued_SendsThem(string kind)
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var pair = new Pair(kind, new TransmitOptions { BatchSize = 64 });
        var tx = pair.Transmitter;

        for (var i = 0; i < 10; i++)
        {
            tx.Enqueue(pair.Frame(32, i));
        }
        tx.Dispose();
        pair.WaitForReceived(10);

        Assert.Equal(10, pair.Received.Count);
        Assert.Equal(10, tx.Counters.Sent);
        Assert.Equal(0, tx.Counters.Dropped);
    }

    [SkippableTheory]
    [MemberData(nameof(Kinds))]
    public void Enqueue_ThousandsOfFrames_AllocatesNothing(string kind)
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var pair = new Pair(kind, new TransmitOptions { BatchSize = 64 });
        var tx = pair.Transmitter;
        var frames = Enumerable.Range(0, 64).Select(i => pair.Frame(32, i)).ToArray();
        for (var i = 0; i < 1000; i++)
        {
            tx.Enqueue(frames[i % frames.Length]);
        }
        tx.Flush();

        // Rounds until one allocates nothing (Allocations: one-off JIT work on this thread is not the transmitter's).
        var rounds = Allocations.UntilSteady(() =>
        {
            for (var i = 0; i < 5000; i++)
            {
                tx.Enqueue(frames[i % frames.Length]);
            }
            tx.Flush();
        });

        Assert.True(Allocations.Settled(rounds), Allocations.Describe(rounds));
        Assert.Equal(1000 + (rounds.Count * 5000), tx.Counters.Sent + tx.Counters.Dropped);
    }
}
