using LoadBalancer.Modes.Packets;
using static LoadBalancer.Modes.Tests.Pipeline.TestEnvironment;
using static LoadBalancer.Modes.Tests.TestSupport.Frames;

namespace LoadBalancer.Modes.Tests.Pipeline;

/// <summary>Fixtures of full NAT with the client-address TCP option; expected frames are built by PacketDotNet with the option laid out by hand.</summary>
internal static partial class GoldenFixtures
{
    /// <summary>NOP, NOP, kind 254, length 10, ExID 0x4C42, port 40000, address 192.168.1.10: what the balancer must insert for the test client.</summary>
    internal static readonly byte[] ClientAddressOptionBytes = [1, 1, 254, 10, 0x4C, 0x42, 0x9C, 0x40, 192, 168, 1, 10];

    private static void AddClientAddressOption(List<GoldenFixture> list)
    {
        string b = BackendFor(NatBackends, Client, ClientPort, FullNatOptionPort, Tcp6);
        string bm = BackendMac(b);
        byte[] Out(byte flags, int payload = 0, byte[]? options = null) => Tcp(BalancerMac, bm, FullNatSource, b, 1024, 8080, flags, payload, 63, options);
        byte[] syn = FromClient(FullNatOptionPort, Syn, options: s_mss1460);

        list.Add(Tx("fullnat-option-syn", "Full NAT with ClientAddressOption: the SYN gets the client's address and port as option 254/0x4C42 before its own options, header 28 -> 40 bytes",
            syn, Out(Syn, options: [.. ClientAddressOptionBytes, .. s_mss1460]), BackendInterface));
        string bi = BackendFor(NatBackends, Client, ClientPort, FullNatOptionIncrementalPort, Tcp6);
        list.Add(Tx("fullnat-option-syn-incremental", "Full NAT with ClientAddressOption and incremental checksums gives the same bytes as a full recompute",
            FromClient(FullNatOptionIncrementalPort, Syn, options: s_mss1460),
            Tcp(BalancerMac, BackendMac(bi), FullNatSource, bi, 1024, 8080, Syn, 0, 63, [.. ClientAddressOptionBytes, .. s_mss1460]), BackendInterface));
        list.Add(Tx("fullnat-option-syn-no-options", "Full NAT with ClientAddressOption: a SYN without options gets the option alone (header 20 -> 32)",
            FromClient(FullNatOptionPort, Syn), Out(Syn, options: ClientAddressOptionBytes), BackendInterface));
        byte[] fits = [.. s_mss1460, .. Nops(20)];
        list.Add(Tx("fullnat-option-syn-fills-60", "Full NAT with ClientAddressOption: 28 option bytes + 12 make the largest header (60)",
            FromClient(FullNatOptionPort, Syn, options: fits), Out(Syn, options: [.. ClientAddressOptionBytes, .. fits]), BackendInterface));
        byte[] full = [.. s_mss1460, .. Nops(24)];
        list.Add(Tx("fullnat-option-syn-no-space", "Full NAT with ClientAddressOption: 32 option bytes leave no room for 12 more: forwarded without the option (counted)",
            FromClient(FullNatOptionPort, Syn, options: full), Out(Syn, options: full), BackendInterface));
        list.Add(Tx("fullnat-option-syn-payload", "Full NAT with ClientAddressOption: a SYN with data (Fast Open) is forwarded without the option (counted)",
            FromClient(FullNatOptionPort, Syn, payload: 10, options: s_mss1460), Out(Syn, 10, s_mss1460), BackendInterface));
        byte[] forged = [1, 1, 254, 10, 0x4C, 0x42, 0x00, 0x50, 1, 2, 3, 4, .. s_mss1460];
        list.Add(Tx("fullnat-option-syn-forged", "Full NAT with ClientAddressOption: an option the client sent itself is overwritten with its real address, the header does not grow",
            FromClient(FullNatOptionPort, Syn, options: forged), Out(Syn, options: [.. ClientAddressOptionBytes, .. s_mss1460]), BackendInterface));
        byte[] badOwn = [254, 8, 0x4C, 0x42, 0x00, 0x50, 1, 2, .. s_mss1460];
        list.Add(Tx("fullnat-option-syn-bad-own-option", "Full NAT with ClientAddressOption: an option with our ExID but a wrong length becomes NOPs (the reader would stop at it), then the option is added",
            FromClient(FullNatOptionPort, Syn, options: badOwn), Out(Syn, options: [.. ClientAddressOptionBytes, .. Nops(8), .. s_mss1460]), BackendInterface));
        list.Add(new GoldenFixture("fullnat-option-syn-no-headroom", "Full NAT with ClientAddressOption: a frame at the start of its buffer is forwarded without the option (counted)",
            [], syn, Verdict.Tx, DropReason.None, Out(Syn, options: s_mss1460), BackendInterface, Headroom: 0));
        list.Add(Tx("fullnat-option-ack", "Full NAT with ClientAddressOption: only the SYN carries the option",
            FromClient(FullNatOptionPort, Ack), Out(Ack), BackendInterface, syn));
        list.Add(Tx("fullnat-option-synack-reply", "Full NAT with ClientAddressOption: the backend's SYN-ACK goes back unchanged in length",
            Tcp(bm, BalancerMac, b, FullNatSource, 8080, 1024, Syn | Ack),
            Tcp(BalancerMac, ClientMac, Vip, Client, FullNatOptionPort, ClientPort, Syn | Ack, 0, 63), ClientInterface, syn));
    }

    private static byte[] Nops(int count) => Enumerable.Repeat((byte)1, count).ToArray();
}
