using System.Buffers.Binary;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Tests.TestSupport;
using static LoadBalancer.Modes.Tests.Pipeline.NdpFixtures;
using F6 = LoadBalancer.Modes.Tests.TestSupport.Frames6;

namespace LoadBalancer.Modes.Tests.Pipeline;

public class NdpResponderTests
{
    private const string ClientMac = TestEnvironment.ClientMac;
    private const string BalancerMac = TestEnvironment.BalancerMac;
    private static readonly UInt128[] s_owned = [Ipv6Address.Parse(Vip6), Ipv6Address.Parse(FullNatSource6)];

    private static EthernetAddress Own => Mac(BalancerMac);

    private static EthernetAddress Mac(string text) => EthernetAddress.TryParse(text, out EthernetAddress mac) ? mac : throw new FormatException(text);

    private static (DropReason Reason, byte[] Frame, int Length) Answer(byte[] request)
    {
        var buffer = new byte[NdpResponder.FrameLength + 64];
        request.CopyTo(buffer, 0);
        DropReason reason = NdpResponder.TryBuildAdvertisement(buffer, request.Length, Own, s_owned, out int length);
        return (reason, buffer, length);
    }

    [Theory]
    [InlineData(Vip6)]
    [InlineData(FullNatSource6)]
    public void SolicitationForOwnedAddress_BecomesTheGoldenAdvertisement(string target)
    {
        var (reason, frame, length) = Answer(Solicitation(target));
        Assert.Equal(DropReason.None, reason);
        Assert.Null(HexDiff.Describe(ExpectedAdvertisement(target), frame.AsSpan(0, length).ToArray()));
    }

    [Fact]
    public void SolicitationWithoutLinkLayerOption_IsAnsweredToTheEthernetSource()
    {
        // A unicast NS (neighbour unreachability detection) may leave out the option; the NA grows by its option.
        byte[] request = Solicitation(Vip6, options: [], destination: Vip6);
        var (reason, frame, length) = Answer(request);
        Assert.Equal(DropReason.None, reason);
        Assert.True(length > request.Length);
        Assert.Null(HexDiff.Describe(ExpectedAdvertisement(Vip6), frame.AsSpan(0, length).ToArray()));
    }

    [Fact]
    public void DuplicateAddressDetection_IsAnsweredToAllNodesWithoutSolicitedFlag()
    {
        var (reason, frame, length) = Answer(Solicitation(Vip6, source: "::", options: []));
        Assert.Equal(DropReason.None, reason);
        byte[] expected = F6.Icmp(BalancerMac, "33:33:00:00:00:01", Vip6, "ff02::1", 136, 0, Body(0x20, Vip6, LinkLayerOption(TargetLinkLayer, BalancerMac)), 255);
        Assert.Null(HexDiff.Describe(expected, frame.AsSpan(0, length).ToArray()));
    }

    [Fact]
    public void VlanTaggedSolicitation_IsAnsweredWithTheTagKept()
    {
        var (reason, frame, length) = Answer(Frames.WithVlan(Solicitation(Vip6), 9));
        Assert.Equal(DropReason.None, reason);
        Assert.Null(HexDiff.Describe(Frames.WithVlan(ExpectedAdvertisement(Vip6), 9), frame.AsSpan(0, length).ToArray()));
    }

    public static TheoryData<string, byte[], DropReason> BadSolicitations() => new()
    {
        { "target not owned", Solicitation(OtherAddress), DropReason.NdpTargetNotOwned },
        { "hop limit 254 (routed from off-link)", Solicitation(Vip6, hopLimit: 254), DropReason.NdpBadHopLimit },
        { "hop limit 1", Solicitation(Vip6, hopLimit: 1), DropReason.NdpBadHopLimit },
        { "code 1", Solicitation(Vip6, code: 1), DropReason.NdpMalformed },
        { "multicast target", Solicitation("ff02::1", destination: SolicitedNode(Vip6)), DropReason.NdpMalformed },
        { "option of length 0", Solicitation(Vip6, options: [LinkLayerOption(SourceLinkLayer, ClientMac, 0)]), DropReason.NdpBadOption },
        { "link-layer option of 16 bytes", Solicitation(Vip6, options: [LinkLayerOption(SourceLinkLayer, ClientMac, 2)]), DropReason.NdpBadOption },
        { "option running past the message", Solicitation(Vip6, options: [[SourceLinkLayer, 1, 0, 0]]), DropReason.NdpBadOption },
        { "unspecified source with a source link-layer option", Solicitation(Vip6, source: "::"), DropReason.NdpUnspecifiedSourceWithLinkLayerOption },
        { "unspecified source not to the solicited-node group", Solicitation(Vip6, source: "::", options: [], destination: "ff02::1"), DropReason.NdpUnspecifiedSourceWithLinkLayerOption },
        { "message of 20 bytes", F6.Icmp(ClientMac, "33:33:ff:00:01:00", ClientLinkLocal, SolicitedNode(Vip6), 135, 0, new byte[16], 255), DropReason.NdpMalformed },
        { "checksum off by one", F6.Set(Solicitation(Vip6), 14 + 40 + 3, 0), DropReason.NdpBadChecksum },
        { "capture shorter than the IPv6 payload length", Solicitation(Vip6)[..70], DropReason.Truncated },
        { "neighbour advertisement", BackendAdvertisement(), DropReason.UnsupportedProtocol },
    };

    [Theory]
    [MemberData(nameof(BadSolicitations))]
    public void BadSolicitation_IsACountedDropAndTheFrameIsLeftAlone(string name, byte[] request, DropReason expected)
    {
        var (reason, frame, length) = Answer(request);
        Assert.True(expected == reason, $"{name}: {reason}");
        Assert.Equal(0, length);
        Assert.Equal(request, frame.AsSpan(0, request.Length).ToArray());
    }

    [Fact]
    public void CheckedByteIsReallyTheChecksum()
    {
        // The bad-checksum case must differ from the good frame only there: the good one is answered.
        byte[] good = Solicitation(Vip6);
        Assert.NotEqual(0, good[14 + 40 + 3]);
        Assert.Equal(DropReason.None, Answer(good).Reason);
    }

    [Fact]
    public void UnsolicitedAdvertisement_MatchesTheGoldenFrame()
    {
        var frame = new byte[NdpResponder.FrameLength];
        int length = NdpResponder.BuildUnsolicitedAdvertisement(frame, Own, Ipv6Address.Parse(Vip6));
        byte[] expected = F6.Icmp(BalancerMac, "33:33:00:00:00:01", Vip6, "ff02::1", 136, 0, Body(0x20, Vip6, LinkLayerOption(TargetLinkLayer, BalancerMac)), 255);
        Assert.Equal(NdpResponder.FrameLength, length);
        Assert.Null(HexDiff.Describe(expected, frame));
    }

    [Fact]
    public void Solicitation_ForABackend_GoesToItsSolicitedNodeGroup()
    {
        var frame = new byte[NdpResponder.FrameLength];
        int length = NdpResponder.BuildSolicitation(frame, Own, Ipv6Address.Parse(BalancerSource6), Ipv6Address.Parse(Backend6));
        string group = SolicitedNode(Backend6);
        Assert.Equal("ff02::1:ff00:11", group);
        byte[] expected = F6.Icmp(BalancerMac, MulticastMac(group), BalancerSource6, group, 135, 0, Body(0, Backend6, LinkLayerOption(SourceLinkLayer, BalancerMac)), 255);
        Assert.Equal(expected.Length, length);
        Assert.Null(HexDiff.Describe(expected, frame));
    }

    [Fact]
    public void Advertisement_IsReadForTargetAndMac()
    {
        Assert.Equal(DropReason.None, NdpResponder.TryReadAdvertisement(BackendAdvertisement(), out UInt128 target, out EthernetAddress mac));
        Assert.Equal(Ipv6Address.Parse(Backend6), target);
        Assert.Equal(Mac(BackendMac6), mac);
    }

    [Fact]
    public void AdvertisementWithoutOption_FallsBackToTheEthernetSource()
    {
        Assert.Equal(DropReason.None, NdpResponder.TryReadAdvertisement(BackendAdvertisement(options: []), out _, out EthernetAddress mac));
        Assert.Equal(Mac(BackendMac6), mac);
    }

    [Theory]
    [InlineData(64, 0x60, DropReason.NdpBadHopLimit)]
    [InlineData(255, 0x40, DropReason.NdpMalformed)] // solicited flag on an NA to a multicast group
    public void BadAdvertisement_IsDropped(byte hopLimit, byte flags, DropReason expected)
    {
        byte[] frame = BackendAdvertisement(hopLimit, flags, destination: hopLimit == 255 ? "ff02::1" : BalancerSource6);
        Assert.Equal(expected, NdpResponder.TryReadAdvertisement(frame, out _, out _));
    }

    [Fact]
    public void SolicitationSender_IsLearnedOnlyWithItsOption()
    {
        Assert.True(NdpResponder.TryReadSolicitationSender(Solicitation(Vip6), out UInt128 source, out EthernetAddress mac));
        Assert.Equal(Ipv6Address.Parse(ClientLinkLocal), source);
        Assert.Equal(Mac(ClientMac), mac);
        Assert.False(NdpResponder.TryReadSolicitationSender(Solicitation(Vip6, options: [], destination: Vip6), out _, out _));
    }

    [Fact]
    public void IsNeighbourDiscovery_SeesNsAndNaOnly()
    {
        Assert.True(NdpResponder.IsNeighbourDiscovery(Solicitation(Vip6)));
        Assert.True(NdpResponder.IsNeighbourDiscovery(BackendAdvertisement()));
        Assert.False(NdpResponder.IsNeighbourDiscovery(Ipv6GoldenFixtures.TcpSyn()));
        Assert.False(NdpResponder.IsNeighbourDiscovery(F6.Icmp(ClientMac, BalancerMac, ClientLinkLocal, Vip6, 128, 0, new byte[8])));
    }

    [Fact]
    public void AnsweringAndReading_AllocateNothing()
    {
        byte[] request = Solicitation(Vip6);
        byte[] advertisement = BackendAdvertisement();
        var buffer = new byte[NdpResponder.FrameLength + 64];
        UInt128[] owned = s_owned;
        EthernetAddress own = Own;
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                request.CopyTo(buffer, 0);
                NdpResponder.TryBuildAdvertisement(buffer, request.Length, own, owned, out _);
                NdpResponder.TryReadAdvertisement(advertisement, out _, out _);
            }

            if (GC.GetAllocatedBytesForCurrentThread() == before)
            {
                return;
            }
        }

        Assert.Fail("answering a solicitation allocated in every round");
    }
}
