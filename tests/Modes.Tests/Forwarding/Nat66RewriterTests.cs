using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Tests.TestSupport;
using static LoadBalancer.Modes.Tests.Pipeline.TestEnvironment;
using F6 = LoadBalancer.Modes.Tests.TestSupport.Frames6;

namespace LoadBalancer.Modes.Tests.Forwarding;

/// <summary>NAT66 rewrites against frames PacketDotNet builds with the rewritten fields (katran style: input, expected bytes).</summary>
public class Nat66RewriterTests
{
    private const string Client6 = "2001:db8:1::10";
    private const string Vip6 = "2001:db8::100";
    private const string Backend6 = "2001:db8:2::b";
    private const string BackendMac = "02:00:00:00:02:0b";
    private static readonly byte[] s_mss = [2, 4, 0x05, 0xA0, 1, 1, 4, 2];

    public static TheoryData<string, ChecksumMode> Cases()
    {
        var data = new TheoryData<string, ChecksumMode>();
        foreach (string name in Catalogue().Keys)
        {
            data.Add(name, ChecksumMode.Full);
            data.Add(name, ChecksumMode.Incremental);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rewrite_Case_GivesThePacketDotNetFrame(string name, ChecksumMode mode)
    {
        (byte[] input, byte[] expected, bool toBackend) = Catalogue()[name];
        byte[] buffer = new byte[input.Length + 40];
        input.CopyTo(buffer, 20);
        Assert.Equal(DropReason.None, PacketParser.Parse(buffer, 20, input.Length, out PacketView view));
        if (toBackend)
        {
            Nat66Rewriter.ToBackend(buffer, in view, Ipv6Address.Parse(Backend6), 8080, Mac(BackendMac), Mac(BalancerMac), mode);
        }
        else
        {
            Nat66Rewriter.ToClient(buffer, in view, Ipv6Address.Parse(Vip6), 80, Mac(ClientMac), Mac(BalancerMac), mode);
        }

        string? diff = HexDiff.Describe(expected, buffer.AsSpan(20, input.Length));
        Assert.True(diff is null, $"{name} ({mode}): {diff}");
        Assert.All(buffer[..20], b => Assert.Equal(0, b));
        Assert.All(buffer[(20 + input.Length)..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void ToBackend_RandomAddressesAndPayloads_IncrementalEqualsFullRecompute()
    {
        var random = new Random(66);
        for (int i = 0; i < 300; i++)
        {
            byte[] address = new byte[16];
            random.NextBytes(address);
            address[0] = 0x2A;
            UInt128 backend = Ipv6Address.Parse(new System.Net.IPAddress(address).ToString());
            ushort port = (ushort)random.Next(1, 65536);
            byte[] frame = (i & 1) == 0
                ? F6.Tcp(ClientMac, BalancerMac, Client6, Vip6, (ushort)random.Next(1024, 65536), 80, Frames.Ack, random.Next(0, 200), seq: (uint)random.Next())
                : F6.Udp(ClientMac, BalancerMac, Client6, Vip6, (ushort)random.Next(1024, 65536), 53, random.Next(0, 200));
            byte[] full = (byte[])frame.Clone();
            byte[] incremental = (byte[])frame.Clone();
            PacketParser.Parse(frame, 0, frame.Length, out PacketView view);
            Nat66Rewriter.ToBackend(full, in view, backend, port, Mac(BackendMac), Mac(BalancerMac), ChecksumMode.Full);
            Nat66Rewriter.ToBackend(incremental, in view, backend, port, Mac(BackendMac), Mac(BalancerMac), ChecksumMode.Incremental);
            Assert.True(HexDiff.Describe(full, incremental) is null, $"case {i}: {HexDiff.Describe(full, incremental)}");
        }
    }

    private static EthernetAddress Mac(string text) => EthernetAddress.TryParse(text, out EthernetAddress mac) ? mac : throw new FormatException(text);

    private static Dictionary<string, (byte[] Input, byte[] Expected, bool ToBackend)> Catalogue()
    {
        byte[] Syn(string srcMac, string dstMac, string dst, ushort dport, byte hop) => F6.Tcp(srcMac, dstMac, Client6, dst, 40000, dport, Frames.Syn, hopLimit: hop, options: s_mss);
        byte[] synIn = Syn(ClientMac, BalancerMac, Vip6, 80, 64);
        byte[] synOut = Syn(BalancerMac, BackendMac, Backend6, 8080, 63);
        (byte, byte[]) hbh = (F6.HopByHop, F6.OptionsHeader(5, 2, 0, 0));
        (byte, byte[]) dest = (F6.DestinationOptions, F6.OptionsHeader(4, 1, 4));
        return new()
        {
            ["tcp-syn"] = (synIn, synOut, true),
            ["tcp-data"] = (F6.Tcp(ClientMac, BalancerMac, Client6, Vip6, 40000, 80, Frames.Ack | Frames.Psh, 777), F6.Tcp(BalancerMac, BackendMac, Client6, Backend6, 40000, 8080, Frames.Ack | Frames.Psh, 777, 63), true),
            ["udp"] = (F6.Udp(ClientMac, BalancerMac, Client6, Vip6, 40000, 80, 33), F6.Udp(BalancerMac, BackendMac, Client6, Backend6, 40000, 8080, 33, 63), true),
            ["tcp-extension-headers"] = (F6.WithExtensions(synIn, hbh, dest), F6.WithExtensions(synOut, hbh, dest), true),
            ["tcp-vlan"] = (Frames.WithVlan(synIn, 42), Frames.WithVlan(synOut, 42), true),
            ["reply-tcp"] = (F6.Tcp(BackendMac, BalancerMac, Backend6, Client6, 8080, 40000, Frames.Syn | Frames.Ack, 100), F6.Tcp(BalancerMac, ClientMac, Vip6, Client6, 80, 40000, Frames.Syn | Frames.Ack, 100, 63), false),
            ["reply-udp"] = (F6.Udp(BackendMac, BalancerMac, Backend6, Client6, 8080, 40000, 501), F6.Udp(BalancerMac, ClientMac, Vip6, Client6, 80, 40000, 501, 63), false),
        };
    }
}
