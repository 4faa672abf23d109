using LoadBalancer.Modes.Packets;
using static LoadBalancer.Modes.Tests.Pipeline.TestEnvironment;
using static LoadBalancer.Modes.Tests.TestSupport.Frames;
using F6 = LoadBalancer.Modes.Tests.TestSupport.Frames6;

namespace LoadBalancer.Modes.Tests.Pipeline;

/// <summary>IPv6 parser fixtures, built with PacketDotNet: frames to 2001:db8::100, which is no VIP6, so every one is a drop (or a pass to the engine) and the reason shows how far the parser got.</summary>
internal static class Ipv6GoldenFixtures
{
    public const string Client6 = "2001:db8:1::10";
    public const string Vip6 = "2001:db8::100";
    private static readonly byte[] s_mss1440 = [2, 4, 0x05, 0xA0, 1, 1, 4, 2];

    public static byte[] TcpSyn(byte hopLimit = 64, string src = Client6)
        => F6.Tcp(ClientMac, BalancerMac, src, Vip6, ClientPort, NatTcpPort, Syn, hopLimit: hopLimit, options: s_mss1440);

    public static byte[] Datagram(byte hopLimit = 64, bool zero = false)
        => F6.Udp(ClientMac, BalancerMac, Client6, Vip6, ClientPort, NatUdpPort, hopLimit: hopLimit, zeroChecksum: zero);

    public static GoldenFixture ByName(string name) => GoldenFixtures.All[name];

    private static GoldenFixture Drop(string name, string description, byte[] input, DropReason reason)
        => new("v6-" + name, description, [], input, Verdict.Drop, reason);

    private static (byte, byte[]) Hbh(params byte[] tlvs) => (F6.HopByHop, F6.OptionsHeader(tlvs));

    private static (byte, byte[]) Dest(params byte[] tlvs) => (F6.DestinationOptions, F6.OptionsHeader(tlvs));

    public static void Add(List<GoldenFixture> list)
    {
        AddWellFormed(list);
        AddHeaderErrors(list);
        AddExtensionErrors(list);
        AddFragments(list);
    }

    private static void AddWellFormed(List<GoldenFixture> list)
    {
        byte[] syn = TcpSyn();
        const string unserved = "2001:db8::100 is no VIP6";
        list.Add(Drop("tcp-syn", $"TCP SYN with MSS option parsed to its ports; {unserved}", syn, DropReason.NotForVip));
        list.Add(Drop("udp", $"UDP datagram; {unserved}", Datagram(), DropReason.NotForVip));
        list.Add(Drop("vlan-tcp", $"802.1Q-tagged TCP SYN; {unserved}", WithVlan(syn, 7), DropReason.NotForVip));
        list.Add(Drop("hbh-padn", "hop-by-hop header holding only PadN is skipped", F6.WithExtensions(syn, Hbh()), DropReason.NotForVip));
        list.Add(Drop("hbh-router-alert", "hop-by-hop router alert (action bits 00) is skipped", F6.WithExtensions(syn, Hbh(5, 2, 0, 0)), DropReason.NotForVip));
        list.Add(Drop("hbh-pad1", "hop-by-hop padded with Pad1 octets is skipped", F6.WithExtensions(syn, Hbh(0, 0, 0, 0, 0, 0)), DropReason.NotForVip));
        list.Add(Drop("dest-options", "destination options (tunnel encapsulation limit, action 00) are skipped", F6.WithExtensions(syn, Dest(4, 1, 4)), DropReason.NotForVip));
        list.Add(Drop("routing-sl0", "routing header with segments left 0 is ignored (RFC 8200 4.4)", F6.WithExtensions(syn, (F6.Routing, F6.RoutingHeader(0))), DropReason.NotForVip));
        list.Add(Drop("chain-four", "hop-by-hop, destination, routing, destination: the RFC 8200 order is walked",
            F6.WithExtensions(syn, Hbh(), Dest(), (F6.Routing, F6.RoutingHeader(0)), Dest()), DropReason.NotForVip));
        list.Add(Drop("atomic-fragment", "fragment header with offset 0 and M clear is processed as a whole packet (RFC 6946)",
            F6.WithExtensions(Datagram(), (F6.Fragment, F6.FragmentHeader(0, false))), DropReason.NotForVip));
        list.Add(Drop("chain-eight", "eight extension headers are the most allowed",
            F6.WithExtensions(syn, Hbh(), Dest(), Dest(), Dest(), Dest(), Dest(), Dest(), Dest()), DropReason.NotForVip));
        list.Add(new("v6-icmpv6-ns", "neighbour solicitation (hop limit 255): handed to the engine's NDP responder",
            [], F6.Icmp(ClientMac, "33:33:ff:00:01:00", Client6, "ff02::1:ff00:100", 135, 0, [0, 0, 0, 0, .. System.Net.IPAddress.Parse(Vip6).GetAddressBytes()]), Verdict.Pass, DropReason.None));
        list.Add(Drop("icmpv6-mld-hop1", "MLD report with hop limit 1 is not a hop-limit drop (ICMPv6 is never forwarded)",
            F6.WithExtensions(F6.Icmp(ClientMac, "33:33:00:00:00:16", Client6, "ff02::16", 143, 0, new byte[24], hopLimit: 1), Hbh(5, 2, 0, 0)), DropReason.NotForVip));
    }

    private static void AddHeaderErrors(List<GoldenFixture> list)
    {
        byte[] syn = TcpSyn();
        list.Add(Drop("hop-limit-0", "TCP SYN with hop limit 0", TcpSyn(0), DropReason.HopLimitExpired));
        list.Add(Drop("hop-limit-1", "TCP SYN with hop limit 1 cannot be forwarded", TcpSyn(1), DropReason.HopLimitExpired));
        list.Add(Drop("udp-hop-limit-1", "UDP with hop limit 1", Datagram(1), DropReason.HopLimitExpired));
        list.Add(Drop("bad-version", "IPv6 EtherType over an IPv4 header", F6.Set(F6.Set(FromIpv4(), 12, 0x86), 13, 0xDD), DropReason.Ipv6BadVersion));
        list.Add(Drop("short-header", "30 bytes of IPv6 header", syn[..44], DropReason.Truncated));
        list.Add(Drop("payload-over-capture", "payload length 8 bytes beyond the captured frame", F6.Set16(syn, 18, (ushort)(syn.Length - 54 + 8)), DropReason.Truncated));
        list.Add(Drop("payload-length-0", "payload length 0 (a jumbogram without its option)", F6.Set16(syn, 18, 0), DropReason.BadTotalLength));
        list.Add(Drop("udp-zero-checksum", "UDP checksum 0 is forbidden over IPv6 (RFC 8200 8.1)", Datagram(zero: true), DropReason.Ipv6UdpZeroChecksum));
        list.Add(Drop("tcp-data-offset-past-end", "TCP data offset 15 words in a 28-byte segment", F6.Set(syn, 54 + 12, 0xF0), DropReason.BadTotalLength));
        list.Add(Drop("icmpv6-short", "ICMPv6 message of 4 bytes", F6.Icmp(ClientMac, BalancerMac, Client6, Vip6, 128, 0, []), DropReason.Truncated));
        list.Add(Drop("esp", "ESP (next header 50) is not served", F6.Set(syn, 20, F6.Esp), DropReason.UnsupportedProtocol));
        list.Add(Drop("no-next-header", "destination options then next header 59", F6.Set(F6.WithExtensions(syn, Dest()), 54, F6.NoNextHeader), DropReason.UnsupportedProtocol));
        list.Add(Drop("source-multicast", "source ff02::1", TcpSyn(src: "ff02::1"), DropReason.MartianSource));
        list.Add(Drop("source-v4-mapped", "source ::ffff:192.168.1.10", TcpSyn(src: "::ffff:192.168.1.10"), DropReason.MartianSource));
        list.Add(Drop("source-unspecified", "source ::", TcpSyn(src: "::"), DropReason.MartianSource));
    }

    private static void AddExtensionErrors(List<GoldenFixture> list)
    {
        byte[] syn = TcpSyn();
        list.Add(Drop("chain-nine", "nine extension headers: one more than allowed",
            F6.WithExtensions(syn, Hbh(), Dest(), Dest(), Dest(), Dest(), Dest(), Dest(), Dest(), Dest()), DropReason.Ipv6ExtensionChainTooLong));
        list.Add(Drop("hbh-not-first", "hop-by-hop after destination options", F6.WithExtensions(syn, Dest(), Hbh()), DropReason.Ipv6MalformedExtension));
        list.Add(Drop("option-overruns", "PadN claims 9 bytes in a 6-byte option area", F6.Set(F6.WithExtensions(syn, Hbh()), 54 + 3, 9), DropReason.Ipv6MalformedExtension));
        list.Add(Drop("option-cut", "an option type in the last octet with no room for its length", F6.WithExtensions(syn, Dest(1, 3, 0, 0, 0, 5)), DropReason.Ipv6MalformedExtension));
        list.Add(Drop("option-jumbo", "jumbo payload option (0xC2): not served", F6.WithExtensions(syn, Hbh(0xC2, 4, 0, 1, 0, 0)), DropReason.Ipv6UnrecognizedOption));
        list.Add(Drop("option-discard", "unknown option type 0x7E (action 01: discard)", F6.WithExtensions(syn, Dest(0x7E, 0)), DropReason.Ipv6UnrecognizedOption));
        list.Add(Drop("ext-length-past-payload", "destination options header claims 64 bytes", F6.Set(F6.WithExtensions(syn, Dest()), 54 + 1, 7), DropReason.Truncated));
        list.Add(Drop("ext-cut", "payload ends 4 bytes into a destination options header", F6.CutPayload(F6.WithExtensions(syn, Dest()), 58), DropReason.Truncated));
        list.Add(Drop("routing-segments-left", "segment routing header with 1 segment left", F6.WithExtensions(syn, (F6.Routing, F6.RoutingHeader(1))), DropReason.Ipv6RoutingSegmentsLeft));
    }

    private static void AddFragments(List<GoldenFixture> list)
    {
        byte[] syn = TcpSyn();
        byte[] first = F6.WithExtensions(Datagram(), (F6.Fragment, F6.FragmentHeader(0, true)));
        list.Add(Drop("fragment-first", "first fragment (offset 0, M set) with the UDP header: fragments are not served", first, DropReason.Fragment));
        list.Add(Drop("fragment-later", "later fragment (offset 8 units, M clear)", F6.WithExtensions(Datagram(), (F6.Fragment, F6.FragmentHeader(8, false))), DropReason.Fragment));
        list.Add(Drop("fragment-first-tcp-cut", "first fragment holding 10 bytes of the TCP header (RFC 7112)",
            F6.CutPayload(F6.WithExtensions(syn, (F6.Fragment, F6.FragmentHeader(0, true))), 54 + 8 + 10), DropReason.Ipv6FragmentWithoutL4Header));
        list.Add(Drop("fragment-first-tcp-options-cut", "first fragment ends inside the TCP options",
            F6.CutPayload(F6.WithExtensions(syn, (F6.Fragment, F6.FragmentHeader(0, true))), 54 + 8 + 24), DropReason.Ipv6FragmentWithoutL4Header));
        list.Add(Drop("fragment-first-chain-cut", "first fragment ends inside a destination options header after it",
            F6.CutPayload(F6.WithExtensions(syn, (F6.Fragment, F6.FragmentHeader(0, true)), Dest()), 54 + 8 + 4), DropReason.Ipv6FragmentWithoutL4Header));
        list.Add(Drop("fragment-after-dest", "a later fragment behind destination options", F6.WithExtensions(syn, Dest(), (F6.Fragment, F6.FragmentHeader(100, true))), DropReason.Fragment));
    }

    private static byte[] FromIpv4() => Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, NatTcpPort, Syn);
}
