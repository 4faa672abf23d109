using System.Buffers.Binary;
using System.Diagnostics;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Selection;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>Runs synthetic frames through a throwaway worker (its own snapshot, table and counters, a discarding transmitter) for every mode before capture starts, so the JIT has tiered the packet path up when the first real frame arrives.</summary>
/// <remarks>
/// Tiered compilation promotes a method after 30 calls once no new method has been compiled for 100 ms, and compiles
/// the optimised code on a background thread: rounds of frames with short pauses between them give it both.
/// Nothing here touches the engine's real table, counters or interface.
/// </remarks>
public static class L4WarmUp
{
    private const uint Vip = 0x0AFF_0001;
    private const uint Client = 0x0AFE_0001;
    private const int Flows = 32;

    /// <summary>How long the warm-up runs.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(400);

    /// <summary>Rounds over every frame that run even when the budget is spent (a loaded machine can spend it on set-up alone).</summary>
    public const int MinRounds = 3;

    /// <summary>Runs the warm-up and returns what it did.</summary>
    public static L4WarmUpResult Run()
    {
        var clock = Stopwatch.StartNew();
        var services = new List<L4Service>();
        var frames = new List<byte[]>();
        ushort port = 1;
        foreach (var mode in ForwardingModeRegistry.All)
        {
            foreach (var protocol in new byte[] { Ipv4Header.ProtocolTcp, Ipv4Header.ProtocolUdp })
            {
                var backends = new[]
                {
                    new L4Backend(0x0AFD_0001, port, new EthernetAddress(0x0200_0000_0A01), 0, 1),
                    new L4Backend(0x0AFD_0002, port, new EthernetAddress(0x0200_0000_0A02), 0, 1),
                };
                services.Add(new L4Service
                {
                    Vip = Vip, Port = port, Protocol = protocol, Mode = mode, Backends = backends,
                    Selector = BackendSelectorFactory.Create(BackendSelectorKind.Maglev, [new BackendWeight("a", 1), new BackendWeight("b", 1)]),
                    TunnelSource = 0x0AFD_00FE,
                    FullNatSources = [0x0AFD_00FD],
                });
                for (ushort f = 0; f < Flows; f++)
                {
                    var clientPort = (ushort)(20000 + f);
                    if (protocol == Ipv4Header.ProtocolTcp)
                    {
                        frames.Add(Frame(protocol, Client, Vip, clientPort, port, 0x02, 64));
                        frames.Add(Frame(protocol, Client, Vip, clientPort, port, 0x10, 1514));
                        foreach (var b in backends)
                        {
                            frames.Add(Frame(protocol, b.Address, Client, port, clientPort, 0x10, 1514));
                        }
                    }
                    else
                    {
                        frames.Add(Frame(protocol, Client, Vip, clientPort, port, 0, 64));
                        frames.Add(Frame(protocol, backends[0].Address, Client, port, clientPort, 0, 64));
                    }
                }
                port++;
            }
        }

        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 4096 }, TimeProvider.System);
        var source = new L4SnapshotSource(new L4Snapshot(services, new EthernetAddress(0x0200_0000_0AFE)));
        var transmitter = new DiscardTransmitter();
        var worker = new L4Worker(0, new L4Processor(source, table), transmitter, TimeProvider.System, engine: null);
        long count = 0;
        var rounds = 0;
        // The budget is for running frames, so it starts after the set-up above.
        var running = Stopwatch.StartNew();
        while (running.Elapsed < Budget || rounds < MinRounds)
        {
            rounds++;
            worker.BeginBatch();
            foreach (var frame in frames)
            {
                worker.OnFrame(frame);
            }
            worker.EndBatch(frames.Count);
            count += frames.Count;
            Thread.Sleep(10);
        }

        return new L4WarmUpResult(count, transmitter.Counters.Sent, clock.Elapsed);
    }

    private static byte[] Frame(byte protocol, uint source, uint destination, ushort sourcePort, ushort destinationPort, byte tcpFlags, int size)
    {
        var frame = new byte[size];
        BinaryPrimitives.WriteUInt64BigEndian(frame, 0x0200_0000_0AFE_0000);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(6), 0x0200);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), 0x0000_0B01);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        Span<byte> ip = frame.AsSpan(14);
        int total = size - 14;
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)total);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000);
        ip[8] = 64;
        ip[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], source);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], destination);
        InternetChecksum.WriteIpv4HeaderChecksum(ip, 20);
        Span<byte> l4 = ip[20..total];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], destinationPort);
        if (protocol == Ipv4Header.ProtocolTcp)
        {
            l4[12] = 5 << 4;
            l4[13] = tcpFlags;
            BinaryPrimitives.WriteUInt16BigEndian(l4[14..], 64240);
            InternetChecksum.WriteTransportChecksum(l4, source, destination, protocol, 16);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(l4[4..], (ushort)l4.Length);
            InternetChecksum.WriteTransportChecksum(l4, source, destination, protocol, 6);
        }

        return frame;
    }
}
