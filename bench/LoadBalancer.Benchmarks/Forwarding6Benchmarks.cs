using BenchmarkDotNet.Attributes;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;

namespace LoadBalancer.Benchmarks;

/// <summary>Per-packet cost of <see cref="L4Processor.Process"/> for each mode on tracked IPv6 flows (ACK segments), to set beside <see cref="ForwardingBenchmarks"/>.</summary>
[MemoryDiagnoser]
public class Forwarding6Benchmarks
{
    private const int Flows = 256;
    private const int Headroom = 64;
    private static readonly UInt128 Vip6 = Ipv6Address.Parse("2001:db8::100");
    private static readonly UInt128 Client6 = Ipv6Address.Parse("2001:db8:1::10");
    private byte[][] _frames = [];
    private byte[] _buffer = [];
    private L4Processor _processor = null!;

    /// <summary>Frame size on the wire in bytes.</summary>
    [Params(80, 512, 1500)]
    public int FrameSize { get; set; }

    /// <summary>Forwarding mode name.</summary>
    [Params("nat", "fullnat", "tunnel", "dsr")]
    public string Mode { get; set; } = "nat";

    /// <summary>Builds the snapshot with one IPv6 service, opens the flows with SYNs, prepares ACK frames.</summary>
    [GlobalSetup]
    public void Setup()
    {
        ForwardingModeRegistry.TryGet(Mode, out IForwardingMode mode);
        var backends = new L4Backend[4];
        for (int i = 0; i < backends.Length; i++)
        {
            backends[i] = new L4Backend(0, 8080, new EthernetAddress(0x020000000100UL + (ulong)i), 2, 1, 0, Ipv6Address.Parse("2001:db8:10::11") + (uint)i);
        }

        var service = new L4Service
        {
            Vip6 = Vip6,
            Port = 80,
            Protocol = 6,
            Mode = mode,
            Backends = backends,
            Selector = new ModuloBenchSelector(backends.Length),
            TunnelSource6 = Ipv6Address.Parse("2001:db8:20::1"),
            FullNatSources6 = [Ipv6Address.Parse("2001:db8:10::1")],
        };
        var snapshot = new L4Snapshot([service], new EthernetAddress(0x0200000000FEUL));
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 65_536 });
        _processor = new L4Processor(new L4SnapshotSource(snapshot), table);
        _buffer = new byte[Headroom + FrameSize + 64];
        _frames = new byte[Flows][];
        for (int i = 0; i < Flows; i++)
        {
            ushort port = (ushort)(40000 + (2 * i));
            byte[] syn = BenchFrames.Tcp6(74, Client6, Vip6, port, 80, 0x02);
            syn.CopyTo(_buffer, Headroom);
            if (_processor.Process(_buffer, Headroom, syn.Length, 1).Verdict != Verdict.Tx)
            {
                throw new InvalidOperationException("setup SYN was not forwarded");
            }

            _frames[i] = BenchFrames.Tcp6(FrameSize, Client6, Vip6, port, 80, 0x10);
        }
    }

    /// <summary>Only copies each frame into the buffer (what every real path does too).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Flows)]
    public int CopyOnly()
    {
        int sum = 0;
        for (int i = 0; i < Flows; i++)
        {
            byte[] frame = _frames[i];
            frame.CopyTo(_buffer, Headroom);
            sum += _buffer[Headroom + 20];
        }

        return sum;
    }

    /// <summary>Copies each frame into the buffer and processes it.</summary>
    [Benchmark(OperationsPerInvoke = Flows)]
    public int CopyAndProcess()
    {
        int sum = 0;
        for (int i = 0; i < Flows; i++)
        {
            byte[] frame = _frames[i];
            frame.CopyTo(_buffer, Headroom);
            sum += _processor.Process(_buffer, Headroom, frame.Length, 1).Length;
        }

        return sum;
    }
}
