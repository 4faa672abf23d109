using LoadBalancer.Modes.Packets;
using PacketDotNet;
using static LoadBalancer.Modes.Tests.Pipeline.TestEnvironment;
using static LoadBalancer.Modes.Tests.TestSupport.Frames;

namespace LoadBalancer.Modes.Tests.Pipeline;

/// <summary>The fixture catalogue. Inputs and expected outputs are both built with PacketDotNet from the fields each should have.</summary>
internal static partial class GoldenFixtures
{
    private const byte Tcp6 = 6;
    private const byte Udp17 = 17;
    private static readonly byte[] s_mss1460 = [2, 4, 0x05, 0xB4, 1, 1, 4, 2];
    private static readonly byte[] s_mss1440 = [2, 4, 0x05, 0xA0, 1, 1, 4, 2];
    private static readonly byte[] s_mss1200 = [2, 4, 0x04, 0xB0, 1, 1, 4, 2];
    private static readonly byte[] s_ipOptions = [1, 1, 1, 0];

    private static readonly Lazy<IReadOnlyDictionary<string, GoldenFixture>> s_all = new(Build);

    public static IReadOnlyDictionary<string, GoldenFixture> All => s_all.Value;

    public static IEnumerable<object[]> Names()
    {
        foreach (string name in All.Keys)
        {
            yield return [name];
        }
    }

    private static byte[] FromClient(ushort dport, byte flags, int payload = 0, byte ttl = 64, byte[]? options = null, string src = Client)
        => Tcp(ClientMac, BalancerMac, src, Vip, ClientPort, dport, flags, payload, ttl, options);

    private static byte[] UdpFromClient(ushort dport, int payload = 32, bool zero = false)
        => Udp(ClientMac, BalancerMac, Client, Vip, ClientPort, dport, payload, zeroChecksum: zero);

    private static GoldenFixture Tx(string name, string description, byte[] input, byte[] expected, int egress, params byte[][] prelude)
        => new(name, description, prelude, input, Verdict.Tx, DropReason.None, expected, egress);

    private static GoldenFixture Drop(string name, string description, byte[] input, DropReason reason, params byte[][] prelude)
        => new(name, description, prelude, input, Verdict.Drop, reason);

    private static IReadOnlyDictionary<string, GoldenFixture> Build()
    {
        var list = new List<GoldenFixture>();
        AddNat(list);
        AddFullNat(list);
        AddTunnel(list);
        AddDsr(list);
        AddIcmp(list);
        AddMalformed(list);
        Ipv6GoldenFixtures.Add(list);
        Ipv6ModeGoldenFixtures.Add(list);
        AddClientAddressOption(list);
        var map = new Dictionary<string, GoldenFixture>();
        foreach (GoldenFixture f in list)
        {
            map.Add(f.Name, f);
        }

        return map;
    }

    private static void AddNat(List<GoldenFixture> list)
    {
        string b = BackendFor(NatBackends, Client, ClientPort, NatTcpPort, Tcp6);
        string bm = BackendMac(b);
        byte[] syn = FromClient(NatTcpPort, Syn, options: s_mss1460);
        byte[] Out(byte flags, int payload = 0, byte[]? options = null) => Tcp(BalancerMac, bm, Client, b, ClientPort, 8080, flags, payload, 63, options);
        byte[] Reply(byte flags, int payload = 0) => Tcp(bm, BalancerMac, b, Client, 8080, ClientPort, flags, payload);
        byte[] ReplyOut(byte flags, int payload = 0) => Tcp(BalancerMac, ClientMac, Vip, Client, NatTcpPort, ClientPort, flags, payload, 63);

        list.Add(Tx("nat-tcp-syn", "NAT: client SYN to VIP:80 -> backend:8080, MACs balancer->backend, TTL-1, checksums recomputed", syn, Out(Syn, options: s_mss1460), BackendInterface));
        list.Add(Tx("nat-tcp-ack", "NAT: ACK of a tracked flow follows the SYN's backend", FromClient(NatTcpPort, Ack), Out(Ack), BackendInterface, syn));
        list.Add(Tx("nat-tcp-data", "NAT: data segment with payload", FromClient(NatTcpPort, Ack | Psh, 100), Out(Ack | Psh, 100), BackendInterface, syn));
        list.Add(Tx("nat-tcp-fin", "NAT: FIN of a tracked flow", FromClient(NatTcpPort, Fin | Ack), Out(Fin | Ack), BackendInterface, syn));
        list.Add(Tx("nat-tcp-rst", "NAT: RST of a tracked flow", FromClient(NatTcpPort, Rst), Out(Rst), BackendInterface, syn));
        list.Add(Tx("nat-tcp-reply-synack", "NAT reply: backend SYN-ACK -> VIP:80 to client MAC recorded from the SYN", Reply(Syn | Ack), ReplyOut(Syn | Ack), ClientInterface, syn));
        list.Add(Tx("nat-tcp-reply-data", "NAT reply: backend data segment", Reply(Ack | Psh, 300), ReplyOut(Ack | Psh, 300), ClientInterface, syn));
        list.Add(Tx("nat-tcp-ack-miss-reselect", "NAT: non-SYN without a flow is re-selected by hash (policy ReselectViaHash)", FromClient(NatTcpPort, Ack), Out(Ack), BackendInterface));
        list.Add(Tx("nat-tcp-vlan", "NAT: 802.1Q-tagged SYN keeps its tag", WithVlan(syn, 42), WithVlan(Out(Syn, options: s_mss1460), 42), BackendInterface));
        list.Add(Tx("nat-tcp-ip-options", "NAT: IPv4 header with options (IHL 6) is rewritten around them", WithIpOptions(syn, s_ipOptions), WithIpOptions(Out(Syn, options: s_mss1460), s_ipOptions), BackendInterface));

        string bi = BackendFor(NatBackends, Client, ClientPort, NatTcpIncrementalPort, Tcp6);
        list.Add(Tx(
            "nat-tcp-incremental-checksum", "NAT with incremental (RFC 1624) checksums gives the same bytes as a full recompute",
            FromClient(NatTcpIncrementalPort, Syn, options: s_mss1460),
            Tcp(BalancerMac, BackendMac(bi), Client, bi, ClientPort, 8080, Syn, 0, 63, s_mss1460), BackendInterface));

        string bu = BackendFor(NatBackends, Client, ClientPort, NatUdpPort, Udp17);
        string bum = BackendMac(bu);
        byte[] request = UdpFromClient(NatUdpPort);
        list.Add(Tx("nat-udp-request", "NAT: UDP datagram to VIP:53 -> backend:5353", request, Udp(BalancerMac, bum, Client, bu, ClientPort, 5353, 32, 63), BackendInterface));
        list.Add(Tx(
            "nat-udp-reply", "NAT reply: UDP from backend:5353 -> VIP:53 to client",
            Udp(bum, BalancerMac, bu, Client, 5353, ClientPort, 48), Udp(BalancerMac, ClientMac, Vip, Client, NatUdpPort, ClientPort, 48, 63), ClientInterface, request));
        list.Add(Tx(
            "nat-udp-zero-checksum", "NAT: a UDP checksum of 0 (none) stays 0",
            UdpFromClient(NatUdpPort, zero: true), Udp(BalancerMac, bum, Client, bu, ClientPort, 5353, 32, 63, zeroChecksum: true), BackendInterface));
        list.Add(Drop("nat-ttl-1", "NAT routes, so TTL 1 is dropped", FromClient(NatTcpPort, Syn, ttl: 1), DropReason.TtlExpired));
        list.Add(Drop("nat-strict-ack-miss", "Service with NonSynMiss=Drop drops an ACK without a flow", FromClient(NatTcpStrictPort, Ack), DropReason.NoFlow));
        list.Add(Drop("nat-no-backend", "Selector returns -1 (no backends)", FromClient(EmptyPort, Syn), DropReason.NoBackend));
    }

    private static void AddFullNat(List<GoldenFixture> list)
    {
        string b = BackendFor(NatBackends, Client, ClientPort, FullNatTcpPort, Tcp6);
        string bm = BackendMac(b);
        byte[] syn = FromClient(FullNatTcpPort, Syn, options: s_mss1460);
        byte[] Out(byte flags, int payload = 0, byte[]? options = null) => Tcp(BalancerMac, bm, FullNatSource, b, 1024, 8080, flags, payload, 63, options);

        list.Add(Tx("fullnat-tcp-syn", "Full NAT: source -> 10.1.0.1:1024 (first pooled port), destination -> backend:8080", syn, Out(Syn, options: s_mss1460), BackendInterface));
        list.Add(Tx("fullnat-tcp-ack", "Full NAT: ACK reuses the flow's pooled port", FromClient(FullNatTcpPort, Ack), Out(Ack), BackendInterface, syn));
        list.Add(Tx("fullnat-tcp-fin", "Full NAT: FIN", FromClient(FullNatTcpPort, Fin | Ack), Out(Fin | Ack), BackendInterface, syn));
        list.Add(Tx(
            "fullnat-tcp-reply", "Full NAT reply: backend -> 10.1.0.1:1024 becomes VIP:81 -> client:40000",
            Tcp(bm, BalancerMac, b, FullNatSource, 8080, 1024, Syn | Ack),
            Tcp(BalancerMac, ClientMac, Vip, Client, FullNatTcpPort, ClientPort, Syn | Ack, 0, 63), ClientInterface, syn));

        string bu = BackendFor(NatBackends, Client, ClientPort, FullNatUdpPort, Udp17);
        string bum = BackendMac(bu);
        byte[] request = UdpFromClient(FullNatUdpPort);
        list.Add(Tx("fullnat-udp-request", "Full NAT: UDP", request, Udp(BalancerMac, bum, FullNatSource, bu, 1024, 5353, 32, 63), BackendInterface));
        list.Add(Tx(
            "fullnat-udp-reply", "Full NAT reply: UDP back to the client",
            Udp(bum, BalancerMac, bu, FullNatSource, 5353, 1024, 20), Udp(BalancerMac, ClientMac, Vip, Client, FullNatUdpPort, ClientPort, 20, 63), ClientInterface, request));
    }

    private static void AddTunnel(List<GoldenFixture> list)
    {
        string b = BackendFor(TunnelBackends, Client, ClientPort, TunnelTcpPort, Tcp6);
        string bm = BackendMac(b);
        byte[] syn = FromClient(TunnelTcpPort, Syn, options: s_mss1460);
        list.Add(Tx(
            "tunnel-tcp-syn-mss-clamp", "Tunnel: SYN's MSS 1460 -> 1440, outer IPv4 (proto 4, DF copied, ID from the sequence) into the headroom",
            syn, Ipip(BalancerMac, bm, TunnelSource, b, FirstIpId, FromClient(TunnelTcpPort, Syn, options: s_mss1440)), BackendInterface));
        list.Add(Tx(
            "tunnel-tcp-ack", "Tunnel: ACK of a tracked flow, inner packet untouched",
            FromClient(TunnelTcpPort, Ack, 10), Ipip(BalancerMac, bm, TunnelSource, b, FirstIpId + 1, FromClient(TunnelTcpPort, Ack, 10)), BackendInterface, syn));
        list.Add(Tx(
            "tunnel-tcp-fin", "Tunnel: FIN",
            FromClient(TunnelTcpPort, Fin | Ack), Ipip(BalancerMac, bm, TunnelSource, b, FirstIpId + 1, FromClient(TunnelTcpPort, Fin | Ack)), BackendInterface, syn));
        list.Add(Tx(
            "tunnel-tcp-rst", "Tunnel: RST",
            FromClient(TunnelTcpPort, Rst), Ipip(BalancerMac, bm, TunnelSource, b, FirstIpId + 1, FromClient(TunnelTcpPort, Rst)), BackendInterface, syn));

        string bf = BackendFor(TunnelBackends, Client, ClientPort, TunnelFixedMssPort, Tcp6);
        list.Add(Tx(
            "tunnel-tcp-syn-mss-fixed", "Tunnel: MSS clamped to the configured 1200",
            FromClient(TunnelFixedMssPort, Syn, options: s_mss1460),
            Ipip(BalancerMac, BackendMac(bf), TunnelSource, bf, FirstIpId, FromClient(TunnelFixedMssPort, Syn, options: s_mss1200)), BackendInterface));

        string bu = BackendFor(TunnelBackends, Client, ClientPort, TunnelUdpPort, Udp17);
        list.Add(Tx(
            "tunnel-udp", "Tunnel: UDP (no DF -> outer DF clear)",
            UdpFromClient(TunnelUdpPort), Ipip(BalancerMac, BackendMac(bu), TunnelSource, bu, FirstIpId, UdpFromClient(TunnelUdpPort)), BackendInterface));

        byte[] plainAck = FromClient(TunnelTcpPort, Ack);
        byte[] expectedVlan = Ipip(BalancerMac, bm, TunnelSource, b, FirstIpId, plainAck);
        list.Add(Tx("tunnel-tcp-vlan", "Tunnel: VLAN tag kept in front of the outer header", WithVlan(plainAck, 7), WithVlan(expectedVlan, 7), BackendInterface));
        list.Add(new GoldenFixture(
            "tunnel-no-headroom", "Tunnel needs 20 bytes of headroom; without it the frame is dropped, not corrupted",
            [], syn, Verdict.Drop, DropReason.NoHeadroom, Headroom: 0));
    }

    private static void AddDsr(List<GoldenFixture> list)
    {
        string b = BackendFor(DsrBackends, Client, ClientPort, DsrTcpPort, Tcp6);
        string bm = BackendMac(b);
        byte[] syn = FromClient(DsrTcpPort, Syn, options: s_mss1460);
        byte[] Out(byte flags, int payload = 0, byte[]? options = null) => Tcp(BalancerMac, bm, Client, Vip, ClientPort, DsrTcpPort, flags, payload, 64, options);
        list.Add(Tx("dsr-tcp-syn", "DSR: only MACs change (dst backend, src balancer), TTL untouched", syn, Out(Syn, options: s_mss1460), BackendInterface));
        list.Add(Tx("dsr-tcp-ack", "DSR: ACK of a tracked flow", FromClient(DsrTcpPort, Ack, 50), Out(Ack, 50), BackendInterface, syn));
        list.Add(Tx("dsr-tcp-fin", "DSR: FIN", FromClient(DsrTcpPort, Fin | Ack), Out(Fin | Ack), BackendInterface, syn));
        list.Add(Tx("dsr-tcp-rst", "DSR: RST", FromClient(DsrTcpPort, Rst), Out(Rst), BackendInterface, syn));
        list.Add(Tx("dsr-tcp-ip-options", "DSR with IPv4 options", WithIpOptions(syn, s_ipOptions), WithIpOptions(Out(Syn, options: s_mss1460), s_ipOptions), BackendInterface));
        list.Add(Tx("dsr-tcp-ttl-1", "DSR bridges: TTL 1 is forwarded unchanged", FromClient(DsrTcpPort, Syn, ttl: 1), Tcp(BalancerMac, bm, Client, Vip, ClientPort, DsrTcpPort, Syn, 0, 1), BackendInterface));

        string bu = BackendFor(DsrBackends, Client, ClientPort, DsrUdpPort, Udp17);
        list.Add(Tx("dsr-udp", "DSR: UDP", UdpFromClient(DsrUdpPort), Udp(BalancerMac, BackendMac(bu), Client, Vip, ClientPort, DsrUdpPort, 32), BackendInterface));
    }

    private static void AddIcmp(List<GoldenFixture> list)
    {
        const int quoteLength = 28;
        string b = BackendFor(NatBackends, Client, ClientPort, NatTcpPort, Tcp6);
        string bm = BackendMac(b);
        byte[] natSyn = FromClient(NatTcpPort, Syn);

        byte[] sentToClient = IpPart(Tcp(BalancerMac, ClientMac, Vip, Client, NatTcpPort, ClientPort, Ack, 1400, 63));
        byte[] asBackendSent = IpPart(Tcp(BalancerMac, ClientMac, b, Client, 8080, ClientPort, Ack, 1400, 63));
        list.Add(Tx(
            "icmp-frag-needed-nat-to-backend", "NAT: frag-needed about a reply (quote VIP:80->client) goes to the backend with outer and quoted headers un-NATed",
            IcmpError(ClientRouterMac, BalancerMac, ClientRouter, Vip, 3, 4, 1400, sentToClient.AsSpan(0, quoteLength)),
            IcmpError(BalancerMac, bm, ClientRouter, b, 3, 4, 1400, asBackendSent.AsSpan(0, quoteLength), ttl: 63), BackendInterface, natSyn));

        byte[] sentToBackend = IpPart(Tcp(BalancerMac, bm, Client, b, ClientPort, 8080, Ack, 1400, 63));
        byte[] asClientSent = IpPart(Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, NatTcpPort, Ack, 1400, 63));
        list.Add(Tx(
            "icmp-frag-needed-nat-to-client", "NAT: frag-needed from the backend side (quote client->backend:8080) goes to the client with the quote showing VIP:80",
            IcmpError(BackendRouterMac, BalancerMac, BackendRouter, Client, 3, 4, 1400, sentToBackend.AsSpan(0, quoteLength)),
            IcmpError(BalancerMac, ClientMac, BackendRouter, Client, 3, 4, 1400, asClientSent.AsSpan(0, quoteLength), ttl: 63), ClientInterface, natSyn));

        byte[] fullSyn = FromClient(FullNatTcpPort, Syn);
        string fb = BackendFor(NatBackends, Client, ClientPort, FullNatTcpPort, Tcp6);
        byte[] fullSentToClient = IpPart(Tcp(BalancerMac, ClientMac, Vip, Client, FullNatTcpPort, ClientPort, Ack, 1400, 63));
        byte[] fullAsBackendSent = IpPart(Tcp(BalancerMac, ClientMac, fb, FullNatSource, 8080, 1024, Ack, 1400, 63));
        list.Add(Tx(
            "icmp-frag-needed-fullnat-to-backend", "Full NAT: frag-needed about a reply goes to the backend, from our source address, quoting backend->10.1.0.1:1024",
            IcmpError(ClientRouterMac, BalancerMac, ClientRouter, Vip, 3, 4, 1400, fullSentToClient.AsSpan(0, quoteLength)),
            IcmpError(BalancerMac, BackendMac(fb), FullNatSource, fb, 3, 4, 1400, fullAsBackendSent.AsSpan(0, quoteLength), ttl: 63), BackendInterface, fullSyn));

        byte[] fullSentToBackend = IpPart(Tcp(BalancerMac, BackendMac(fb), FullNatSource, fb, 1024, 8080, Ack, 1400, 63));
        byte[] fullAsClientSent = IpPart(Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, FullNatTcpPort, Ack, 1400, 63));
        list.Add(Tx(
            "icmp-frag-needed-fullnat-to-client", "Full NAT: frag-needed from the backend side goes to the client, quote restored to client->VIP:81",
            IcmpError(BackendRouterMac, BalancerMac, BackendRouter, FullNatSource, 3, 4, 1400, fullSentToBackend.AsSpan(0, quoteLength)),
            IcmpError(BalancerMac, ClientMac, BackendRouter, Client, 3, 4, 1400, fullAsClientSent.AsSpan(0, quoteLength), ttl: 63), ClientInterface, fullSyn));

        string ub = BackendFor(NatBackends, Client, ClientPort, NatUdpPort, Udp17);
        byte[] udpSentToClient = IpPart(Udp(BalancerMac, ClientMac, Vip, Client, NatUdpPort, ClientPort, 1400, 63));
        byte[] udpAsBackendSent = IpPart(Udp(BalancerMac, ClientMac, ub, Client, 5353, ClientPort, 1400, 63));
        list.Add(Tx(
            "icmp-frag-needed-nat-udp-quote-checksum", "NAT: the quoted UDP checksum (inside the first 8 bytes) is patched too",
            IcmpError(ClientRouterMac, BalancerMac, ClientRouter, Vip, 3, 4, 1400, udpSentToClient.AsSpan(0, quoteLength)),
            IcmpError(BalancerMac, BackendMac(ub), ClientRouter, ub, 3, 4, 1400, udpAsBackendSent.AsSpan(0, quoteLength), ttl: 63), BackendInterface, UdpFromClient(NatUdpPort)));

        string db = BackendFor(DsrBackends, Client, ClientPort, DsrTcpPort, Tcp6);
        byte[] dsrQuote = IpPart(Tcp(BalancerMac, ClientMac, Vip, Client, DsrTcpPort, ClientPort, Ack, 1400));
        list.Add(Tx(
            "icmp-frag-needed-dsr", "DSR: frag-needed about a backend's direct reply is bridged to that backend",
            IcmpError(ClientRouterMac, BalancerMac, ClientRouter, Vip, 3, 4, 1400, dsrQuote.AsSpan(0, quoteLength)),
            IcmpError(BalancerMac, BackendMac(db), ClientRouter, Vip, 3, 4, 1400, dsrQuote.AsSpan(0, quoteLength)), BackendInterface, FromClient(DsrTcpPort, Syn)));

        string tb = BackendFor(TunnelBackends, Client, ClientPort, TunnelTcpPort, Tcp6);
        byte[] tunnelQuote = IpPart(Tcp(BalancerMac, ClientMac, Vip, Client, TunnelTcpPort, ClientPort, Ack, 1400));
        byte[] tunnelIcmp = IcmpError(ClientRouterMac, BalancerMac, ClientRouter, Vip, 3, 4, 1400, tunnelQuote.AsSpan(0, quoteLength));
        list.Add(Tx(
            "icmp-frag-needed-tunnel", "Tunnel: frag-needed about a backend's direct reply is encapsulated to that backend",
            tunnelIcmp, Ipip(BalancerMac, BackendMac(tb), TunnelSource, tb, FirstIpId + 1, tunnelIcmp), BackendInterface, FromClient(TunnelTcpPort, Syn)));

        list.Add(Drop(
            "icmp-frag-needed-untracked", "Frag-needed quoting a VIP flow we do not track",
            IcmpError(ClientRouterMac, BalancerMac, ClientRouter, Vip, 3, 4, 1400, sentToClient.AsSpan(0, quoteLength)), DropReason.NoFlow));
        list.Add(new GoldenFixture("icmp-echo-to-vip", "ICMP echo to a VIP goes to the control plane", [], IcmpEcho(ClientMac, BalancerMac, Client, Vip), Verdict.Pass, DropReason.None));
        list.Add(new GoldenFixture(
            "arp-request-for-vip", "ARP request for a VIP is passed to the control plane (ArpResponder answers it)",
            [], Arp(ArpOperation.Request, ClientMac, "ff:ff:ff:ff:ff:ff", ClientMac, Client, "00:00:00:00:00:00", Vip), Verdict.Pass, DropReason.None));
    }

    private static void AddMalformed(List<GoldenFixture> list)
    {
        byte[] syn = FromClient(NatTcpPort, Syn);
        int ipTotal = syn.Length - 14;
        list.Add(Drop("truncated-ethernet", "10 bytes: not even an Ethernet header", syn[..10], DropReason.Truncated));
        list.Add(Drop("truncated-ip-header", "Frame ends inside the IPv4 header", syn[..30], DropReason.Truncated));
        list.Add(Drop("truncated-tcp-header", "Frame ends inside the TCP header (total length patched to match)", PatchIp16(syn, 2, 30)[..44], DropReason.Truncated));
        list.Add(Drop("lying-total-length", "IPv4 total length claims 100 bytes more than captured", PatchIp16(syn, 2, (ushort)(ipTotal + 100)), DropReason.Truncated));
        list.Add(Drop("total-length-below-ihl", "IPv4 total length smaller than the header", PatchIp16(syn, 2, 10), DropReason.BadTotalLength));
        list.Add(Drop("bad-ihl", "IHL 4 (16 bytes) is below the minimum", PatchIp8(syn, 0, 0x44), DropReason.BadIhl));
        list.Add(Drop("bad-ip-checksum", "Corrupted IPv4 header checksum", Corrupt(syn, 14 + 10), DropReason.BadChecksum));
        list.Add(Drop("fragment-more-fragments", "First fragment (MF set)", PatchIp16(syn, 6, 0x2000), DropReason.Fragment));
        list.Add(Drop("fragment-offset", "Later fragment (offset 8)", PatchIp16(UdpFromClient(NatUdpPort), 6, 0x0001), DropReason.Fragment));
        list.Add(Drop("lying-udp-length", "UDP length larger than the IP payload", SetByte(UdpFromClient(NatUdpPort), 14 + 20 + 4, 0x02), DropReason.BadTotalLength));
        list.Add(Drop("lying-tcp-data-offset", "TCP data offset (60 bytes) beyond the segment", SetByte(syn, 14 + 20 + 12, 0xF0), DropReason.BadTotalLength));
        list.Add(Drop("not-ipv4", "LLDP EtherType: neither IPv4, IPv6 nor ARP", SetByte(SetByte(syn, 12, 0x88), 13, 0xCC), DropReason.NotIpv4));
        list.Add(Drop("martian-source", "Source 127.0.0.1", FromClient(NatTcpPort, Syn, src: "127.0.0.1"), DropReason.MartianSource));
        list.Add(Drop("multicast-source", "Source 224.0.0.5", FromClient(NatTcpPort, Syn, src: "224.0.0.5"), DropReason.MartianSource));
        list.Add(Drop("source-is-vip", "Spoofed source equal to the VIP", FromClient(NatTcpPort, Syn, src: Vip), DropReason.SourceIsVip));
        list.Add(Drop("not-for-vip", "Traffic to an address that is no VIP and no NAT reply", Tcp(ClientMac, BalancerMac, Client, "10.9.9.9", ClientPort, 80, Syn), DropReason.NotForVip));
        list.Add(Drop("vip-unknown-port", "VIP, but no service on port 9999", FromClient(9999, Syn), DropReason.NoService));
        list.Add(Drop("unsupported-protocol", "GRE (47) to the VIP", PatchIp8(syn, 9, 47), DropReason.UnsupportedProtocol));
    }

    private static byte[] Corrupt(byte[] frame, int offset) => SetByte(frame, offset, (byte)(frame[offset] ^ 0xFF));

    private static byte[] SetByte(byte[] frame, int offset, byte value)
    {
        byte[] copy = (byte[])frame.Clone();
        copy[offset] = value;
        return copy;
    }
}
