using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Benchmarks;

/// <summary>Parse and flow-hash cost per packet: IPv4 (the baseline that must not slow down) against IPv6 without and with extension headers.</summary>
[MemoryDiagnoser]
public class Ipv6ParseBenchmarks
{
    private static readonly UInt128 Client6 = UInt128.Parse("20010db8000100000000000000000010", System.Globalization.NumberStyles.HexNumber);
    private static readonly UInt128 Vip6 = UInt128.Parse("20010db8000000000000000000000100", System.Globalization.NumberStyles.HexNumber);
    private byte[] _ipv4 = [];
    private byte[] _ipv6 = [];
    private byte[] _ipv6Chain = [];

    /// <summary>Builds one TCP ACK frame per family (and one IPv6 frame behind hop-by-hop and destination options).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _ipv4 = BenchFrames.Tcp(64, 0xC0A8010A, 0x0A000064, 40000, 80, 0x10);
        _ipv6 = Ipv6Tcp(0);
        _ipv6Chain = Ipv6Tcp(2);
    }

    /// <summary>IPv4 TCP parse (header checksum verified).</summary>
    [Benchmark(Baseline = true)]
    public int ParseIpv4() => Parse(_ipv4);

    /// <summary>IPv6 TCP parse, no extension headers.</summary>
    [Benchmark]
    public int ParseIpv6() => Parse(_ipv6);

    /// <summary>IPv6 TCP parse behind two 8-byte option headers.</summary>
    [Benchmark]
    public int ParseIpv6TwoExtensions() => Parse(_ipv6Chain);

    /// <summary>IPv4 5-tuple hash.</summary>
    [Benchmark]
    public ulong HashIpv4() => FlowHash.Hash(new FlowKey(0xC0A8010A, 0x0A000064, 40000, 80, 6));

    /// <summary>IPv6 5-tuple hash (xxHash3 over 37 bytes).</summary>
    [Benchmark]
    public ulong HashIpv6() => FlowHash.Hash(new FlowKey6(Client6, Vip6, 40000, 80, 6));

    private static int Parse(byte[] frame)
        => PacketParser.Parse(frame, 0, frame.Length, out PacketView view) == DropReason.None ? view.L4Offset : -1;

    private static byte[] Ipv6Tcp(int optionHeaders)
    {
        int ip = 14;
        int l4 = ip + 40 + (8 * optionHeaders);
        var frame = new byte[l4 + 20];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x86DD);
        frame[ip] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(ip + 4), (ushort)(frame.Length - ip - 40));
        frame[ip + 6] = optionHeaders == 0 ? (byte)6 : (byte)0;
        frame[ip + 7] = 64;
        BinaryPrimitives.WriteUInt128BigEndian(frame.AsSpan(ip + 8), Client6);
        BinaryPrimitives.WriteUInt128BigEndian(frame.AsSpan(ip + 24), Vip6);
        for (int h = 0; h < optionHeaders; h++)
        {
            int at = ip + 40 + (8 * h);
            frame[at] = h + 1 < optionHeaders ? (byte)60 : (byte)6;
            frame[at + 2] = 1;
            frame[at + 3] = 4;
        }

        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(l4), 40000);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(l4 + 2), 80);
        frame[l4 + 12] = 0x50;
        frame[l4 + 13] = 0x10;
        return frame;
    }
}
