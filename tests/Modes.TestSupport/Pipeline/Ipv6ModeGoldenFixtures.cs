using System.Net;
using LoadBalancer.Modes.Packets;
using PacketDotNet;
using static LoadBalancer.Modes.Tests.Pipeline.TestEnvironment;
using static LoadBalancer.Modes.Tests.TestSupport.Frames;
using F6 = LoadBalancer.Modes.Tests.TestSupport.Frames6;

namespace LoadBalancer.Modes.Tests.Pipeline;

/// <summary>IPv6 fixtures through the four modes to <see cref="TestEnvironment.Vip6"/>; inputs and expected outputs both built with PacketDotNet from the fields each should have.</summary>
internal static class Ipv6ModeGoldenFixtures
{
    private const string BackendRouter6 = "2001:db8:10::fe";
    private const string ClientRouter6 = "2001:db8:1::1";
    private const ushort FirstNatPort = 1024;
    private static readonly byte[] s_mss1440 = [2, 4, 0x05, 0xA0, 1, 1, 4, 2];
    private static readonly byte[] s_mss1400 = [2, 4, 0x05, 0x78, 1, 1, 4, 2];
    private static readonly byte[] s_mss1200 = [2, 4, 0x04, 0xB0, 1, 1, 4, 2];
    private static readonly byte[] s_mtu1280 = [0, 0, 0x05, 0x00];

    public static void Add(List<GoldenFixture> list)
    {
        AddNat(list);
        AddFullNat(list);
        AddTunnel(list);
        AddDsr(list);
        AddClassification(list);
        AddIcmpErrors(list);
    }

    private static byte[] SynTo(ushort port, byte hopLimit = 64, byte[]? options = null)
        => F6.Tcp(ClientMac, BalancerMac, Client6, Vip6, ClientPort, port, Syn, hopLimit: hopLimit, options: options ?? s_mss1440);

    private static byte[] Datagram(ushort port) => F6.Udp(ClientMac, BalancerMac, Client6, Vip6, ClientPort, port, 24);

    private static GoldenFixture Tx(string name, string description, byte[] input, byte[] expected, int egress, params byte[][] prelude)
        => new("v6-" + name, description, prelude, input, Verdict.Tx, DropReason.None, expected, egress);

    private static void AddNat(List<GoldenFixture> list)
    {
        string b = BackendFor6(NatBackends6, ClientPort, NatTcpPort, 6);
        list.Add(Tx("nat-syn", "NAT66: VIP6:80 -> backend:8080, hop limit 63, TCP checksum over the new pseudo-header",
            SynTo(NatTcpPort), F6.Tcp(BalancerMac, BackendMac6(b), Client6, b, ClientPort, 8080, Syn, hopLimit: 63, options: s_mss1440), BackendInterface));
        list.Add(Tx("nat-reply", "NAT66 reply: backend:8080 -> client becomes VIP6:80 -> client, to the client's MAC",
            F6.Tcp(BackendMac6(b), BalancerMac, b, Client6, 8080, ClientPort, Syn | Ack),
            F6.Tcp(BalancerMac, ClientMac, Vip6, Client6, NatTcpPort, ClientPort, Syn | Ack, hopLimit: 63), ClientInterface, SynTo(NatTcpPort)));
        (byte, byte[]) hbh = (F6.HopByHop, F6.OptionsHeader());
        (byte, byte[]) dest = (F6.DestinationOptions, F6.OptionsHeader(4, 1, 4));
        list.Add(Tx("nat-syn-extensions", "NAT66 with hop-by-hop and destination options: the headers stay, the TCP header behind them is rewritten",
            F6.WithExtensions(SynTo(NatTcpPort), hbh, dest),
            F6.WithExtensions(F6.Tcp(BalancerMac, BackendMac6(b), Client6, b, ClientPort, 8080, Syn, hopLimit: 63, options: s_mss1440), hbh, dest), BackendInterface));
        string u = BackendFor6(NatBackends6, ClientPort, NatUdpPort, 17);
        list.Add(Tx("nat-udp", "NAT66 UDP: VIP6:53 -> backend:5353",
            Datagram(NatUdpPort), F6.Udp(BalancerMac, BackendMac6(u), Client6, u, ClientPort, 5353, 24, hopLimit: 63), BackendInterface));
        list.Add(Tx("nat-udp-reply", "NAT66 UDP reply back to VIP6:53",
            F6.Udp(BackendMac6(u), BalancerMac, u, Client6, 5353, ClientPort, 12),
            F6.Udp(BalancerMac, ClientMac, Vip6, Client6, NatUdpPort, ClientPort, 12, hopLimit: 63), ClientInterface, Datagram(NatUdpPort)));
        list.Add(new("v6-nat-hop-limit-1", "NAT66 routes: a SYN with hop limit 1 to the VIP6 is dropped", [], SynTo(NatTcpPort, 1), Verdict.Drop, DropReason.HopLimitExpired));
        list.Add(new("v6-nat-strict-ack", "NAT66 service that drops non-SYN misses: an untracked ACK",
            [], F6.Tcp(ClientMac, BalancerMac, Client6, Vip6, ClientPort, NatTcpStrictPort, Ack), Verdict.Drop, DropReason.NoFlow));
        list.Add(new("v6-nat-reply-unknown", "a reply from a backend for no tracked flow",
            [], F6.Tcp(BackendMac6(b), BalancerMac, b, Client6, 8080, ClientPort, Syn | Ack), Verdict.Drop, DropReason.NotForVip));
    }

    private static void AddFullNat(List<GoldenFixture> list)
    {
        string b = BackendFor6(NatBackends6, ClientPort, FullNatTcpPort, 6);
        list.Add(Tx("fullnat-syn", "full NAT66: client -> VIP6:81 becomes source6:1024 -> backend:8080",
            SynTo(FullNatTcpPort), F6.Tcp(BalancerMac, BackendMac6(b), FullNatSource6, b, FirstNatPort, 8080, Syn, hopLimit: 63, options: s_mss1440), BackendInterface));
        list.Add(Tx("fullnat-reply", "full NAT66 reply: backend -> source6:1024 becomes VIP6:81 -> client:40000",
            F6.Tcp(BackendMac6(b), BalancerMac, b, FullNatSource6, 8080, FirstNatPort, Syn | Ack),
            F6.Tcp(BalancerMac, ClientMac, Vip6, Client6, FullNatTcpPort, ClientPort, Syn | Ack, hopLimit: 63), ClientInterface, SynTo(FullNatTcpPort)));
        string i = BackendFor6(NatBackends6, ClientPort, Ipv6IncrementalPort, 6);
        list.Add(Tx("fullnat-incremental", "full NAT66 with incremental checksums: both 128-bit addresses and both ports patched (RFC 1624)",
            SynTo(Ipv6IncrementalPort), F6.Tcp(BalancerMac, BackendMac6(i), FullNatSource6, i, FirstNatPort, 8080, Syn, hopLimit: 63, options: s_mss1440), BackendInterface));
        string u = BackendFor6(NatBackends6, ClientPort, FullNatUdpPort, 17);
        list.Add(Tx("fullnat-udp", "full NAT66 UDP: source6:1024 -> backend:5353",
            Datagram(FullNatUdpPort), F6.Udp(BalancerMac, BackendMac6(u), FullNatSource6, u, FirstNatPort, 5353, 24, hopLimit: 63), BackendInterface));
    }

    private static void AddTunnel(List<GoldenFixture> list)
    {
        string b = BackendFor6(TunnelBackends6, ClientPort, TunnelTcpPort, 6);
        list.Add(Tx("tunnel-syn", "IPv6-in-IPv6: outer header (next header 41, hop limit 64, payload length = inner packet) in the headroom, MSS 1440 -> 1400",
            SynTo(TunnelTcpPort), Outer(b, SynTo(TunnelTcpPort, options: s_mss1400)), BackendInterface));
        string f = BackendFor6(TunnelBackends6, ClientPort, Ipv6FixedMssPort, 6);
        list.Add(Tx("tunnel-fixed-mss", "IPv6-in-IPv6 with a fixed MSS ceiling: 1440 -> 1200",
            SynTo(Ipv6FixedMssPort), Outer(f, SynTo(Ipv6FixedMssPort, options: s_mss1200)), BackendInterface));
        string u = BackendFor6(TunnelBackends6, ClientPort, TunnelUdpPort, 17);
        list.Add(Tx("tunnel-udp", "IPv6-in-IPv6 UDP: the datagram untouched inside", Datagram(TunnelUdpPort), Outer(u, Datagram(TunnelUdpPort)), BackendInterface));
        list.Add(new("v6-tunnel-no-headroom", "IPv6-in-IPv6 needs 40 bytes in front of the frame; 20 are not enough",
            [], SynTo(TunnelTcpPort), Verdict.Drop, DropReason.NoHeadroom, Headroom: 20));
        list.Add(Tx("tunnel-hop-limit-1", "the tunnel does not route: hop limit 1 is carried inside like IPv4's TTL",
            SynTo(TunnelTcpPort, 1), Outer(b, SynTo(TunnelTcpPort, 1, s_mss1400)), BackendInterface));
    }

    private static void AddDsr(List<GoldenFixture> list)
    {
        string b = BackendFor6(DsrBackends6, ClientPort, DsrTcpPort, 6);
        list.Add(Tx("dsr-syn", "DSR over IPv6: only the MACs change",
            SynTo(DsrTcpPort), F6.Tcp(BalancerMac, BackendMac6(b), Client6, Vip6, ClientPort, DsrTcpPort, Syn, options: s_mss1440), BackendInterface));
        string u = BackendFor6(DsrBackends6, ClientPort, DsrUdpPort, 17);
        list.Add(Tx("dsr-udp", "DSR over IPv6, UDP", Datagram(DsrUdpPort), F6.Udp(BalancerMac, BackendMac6(u), Client6, Vip6, ClientPort, DsrUdpPort, 24), BackendInterface));
    }

    private static void AddClassification(List<GoldenFixture> list)
    {
        list.Add(new("v6-vip-no-service", "TCP to the VIP6 on a port without a service", [], SynTo(99), Verdict.Drop, DropReason.NoService));
        list.Add(new("v6-source-is-vip", "a packet claiming to come from the VIP6",
            [], F6.Tcp(ClientMac, BalancerMac, Vip6, Vip6, ClientPort, NatTcpPort, Syn), Verdict.Drop, DropReason.SourceIsVip));
        list.Add(new("v6-echo-to-vip", "ICMPv6 echo request to the VIP6 is handed to the engine",
            [], F6.Icmp(ClientMac, BalancerMac, Client6, Vip6, 128, 0, [0, 1, 0, 1], 64), Verdict.Pass, DropReason.None));
        list.Add(new("v6-echo-not-vip", "ICMPv6 echo request to another address",
            [], F6.Icmp(ClientMac, BalancerMac, Client6, "2001:db8::99", 128, 0, [0, 1, 0, 1], 64), Verdict.Drop, DropReason.NotForVip));
        list.Add(new("v6-na", "neighbour advertisement (type 136) is handed to the engine",
            [], F6.Icmp(ClientMac, BalancerMac, Client6, Vip6, 136, 0, new byte[20]), Verdict.Pass, DropReason.None));
    }

    private static void AddIcmpErrors(List<GoldenFixture> list)
    {
        string b = BackendFor6(NatBackends6, ClientPort, NatTcpPort, 6);
        byte[] syn = SynTo(NatTcpPort);
        byte[] forwarded = Ip(F6.Tcp(BalancerMac, BackendMac6(b), Client6, b, ClientPort, 8080, Syn, hopLimit: 63, options: s_mss1440));
        byte[] asSent = Ip(SynTo(NatTcpPort, 63));
        list.Add(Tx("nat-packet-too-big", "Packet Too Big about a NAT66 flow's forwarded SYN goes to the client quoting VIP6:80, ICMPv6 checksum over the new pseudo-header",
            F6.Icmp(BackendRouterMac, BalancerMac, BackendRouter6, Client6, 2, 0, [.. s_mtu1280, .. forwarded], 64),
            F6.Icmp(BalancerMac, ClientMac, BackendRouter6, Client6, 2, 0, [.. s_mtu1280, .. asSent], 63), ClientInterface, syn));

        string f = BackendFor6(NatBackends6, ClientPort, FullNatTcpPort, 6);
        byte[] fullNatForwarded = Ip(F6.Tcp(BalancerMac, BackendMac6(f), FullNatSource6, f, FirstNatPort, 8080, Syn, hopLimit: 63, options: s_mss1440));
        list.Add(Tx("fullnat-packet-too-big", "Packet Too Big sent to the full-NAT66 source goes to the client, quote back to client:40000 -> VIP6:81",
            F6.Icmp(BackendRouterMac, BalancerMac, BackendRouter6, FullNatSource6, 2, 0, [.. s_mtu1280, .. fullNatForwarded], 64),
            F6.Icmp(BalancerMac, ClientMac, BackendRouter6, Client6, 2, 0, [.. s_mtu1280, .. Ip(SynTo(FullNatTcpPort, 63))], 63), ClientInterface, SynTo(FullNatTcpPort)));

        byte[] replyOut = Ip(F6.Tcp(BalancerMac, ClientMac, Vip6, Client6, NatTcpPort, ClientPort, Syn | Ack, hopLimit: 63));
        byte[] replyIn = Ip(F6.Tcp(BackendMac6(b), BalancerMac, b, Client6, 8080, ClientPort, Syn | Ack, hopLimit: 63));
        list.Add(Tx("nat-packet-too-big-to-backend", "Packet Too Big about a NAT66 reply (sent to the VIP6) goes to the backend quoting backend:8080",
            F6.Icmp(ClientRouterMac, BalancerMac, ClientRouter6, Vip6, 2, 0, [.. s_mtu1280, .. replyOut], 64),
            F6.Icmp(BalancerMac, BackendMac6(b), ClientRouter6, b, 2, 0, [.. s_mtu1280, .. replyIn], 63), BackendInterface, syn));

        string u = BackendFor6(NatBackends6, ClientPort, NatUdpPort, 17);
        byte[] udpForwarded = Ip(F6.Udp(BalancerMac, BackendMac6(u), Client6, u, ClientPort, 5353, 24, hopLimit: 63));
        list.Add(Tx("nat-unreachable", "Destination Unreachable (port) about a NAT66 UDP flow, quote cut to 48 bytes, goes back to the client",
            F6.Icmp(BackendRouterMac, BalancerMac, u, Client6, 1, 4, [0, 0, 0, 0, .. udpForwarded[..48]], 64),
            F6.Icmp(BalancerMac, ClientMac, u, Client6, 1, 4, [0, 0, 0, 0, .. Ip(F6.Udp(ClientMac, BalancerMac, Client6, Vip6, ClientPort, NatUdpPort, 24, hopLimit: 63))[..48]], 63),
            ClientInterface, Datagram(NatUdpPort)));
        string t = BackendFor6(TunnelBackends6, ClientPort, TunnelTcpPort, 6);
        byte[] tunnelled = Ip(Outer(t, SynTo(TunnelTcpPort, options: s_mss1400)));
        list.Add(Tx("tunnel-packet-too-big", "Packet Too Big (MTU 1400) about a tunnelled SYN, sent to the tunnel source: becomes one from the VIP6 to the client, MTU 1360, quoting the client's own packet",
            F6.Icmp(BackendRouterMac, BalancerMac, "2001:db8:20::fe", TunnelSource6, 2, 0, [0, 0, 0x05, 0x78, .. tunnelled], 64),
            F6.Icmp(BalancerMac, ClientMac, Vip6, Client6, 2, 0, [0, 0, 0x05, 0x50, .. Ip(SynTo(TunnelTcpPort, options: s_mss1400))], 64),
            ClientInterface, SynTo(TunnelTcpPort)));
        list.Add(new("v6-icmpv6-error-type-100", "an ICMPv6 error type outside RFC 4443's four (unassigned) quoting a NAT66 flow's packet is not rewritten",
            [syn], F6.Icmp(BackendRouterMac, BalancerMac, BackendRouter6, Client6, 100, 0, [.. s_mtu1280, .. forwarded], 64), Verdict.Drop, DropReason.NotForVip));
        list.Add(new("v6-packet-too-big-no-flow", "Packet Too Big quoting a packet of no tracked flow",
            [], F6.Icmp(BackendRouterMac, BalancerMac, BackendRouter6, Client6, 2, 0, [.. s_mtu1280, .. forwarded], 64), Verdict.Drop, DropReason.NotForVip));
        list.Add(new("v6-packet-too-big-short-quote", "Packet Too Big whose quote ends inside the IPv6 header",
            [], F6.Icmp(BackendRouterMac, BalancerMac, BackendRouter6, Client6, 2, 0, [.. s_mtu1280, .. forwarded[..30]], 64), Verdict.Drop, DropReason.Truncated));
    }

    private static byte[] Ip(byte[] frame) => frame[14..];

    /// <summary>The expected tunnel frame: balancer -> backend MACs, an outer IPv6 header built by PacketDotNet, the inner packet as payload.</summary>
    private static byte[] Outer(string backend, byte[] innerFrame)
    {
        var ip = new IPv6Packet(IPAddress.Parse(TunnelSource6), IPAddress.Parse(backend)) { HopLimit = 64, NextHeader = (ProtocolType)41 };
        ip.PayloadData = Ip(innerFrame);
        var eth = new EthernetPacket(Mac(BalancerMac), Mac(BackendMac6(backend)), EthernetType.IPv6) { PayloadPacket = ip };
        ip.UpdateCalculatedValues();
        byte[] frame = eth.Bytes;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 4), (ushort)(frame.Length - 54));
        return frame;
    }
}
