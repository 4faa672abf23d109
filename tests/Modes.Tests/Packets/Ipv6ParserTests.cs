using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Tests.Pipeline;
using PacketDotNet;
using static LoadBalancer.Modes.Tests.Pipeline.TestEnvironment;
using F6 = LoadBalancer.Modes.Tests.TestSupport.Frames6;

namespace LoadBalancer.Modes.Tests.Packets;

public class Ipv6ParserTests
{
    // PacketDotNet 1.4.8 reads a routing header behind other extension headers as 8 bytes whatever its length says,
    // so chains with one are checked by hand (Parse_ChainOfFourHeadersInLargerBuffer...) instead.
    public static IEnumerable<object[]> WellFormedNames()
        => Ipv6Fixtures().Where(f => f.Reason is DropReason.NotForVip or DropReason.HopLimitExpired or DropReason.MartianSource && f.Name != "v6-chain-four").Select(f => new object[] { f.Name });

    [Fact]
    public void Parse_TcpSyn_FillsIpv6FieldsAndPorts()
    {
        byte[] frame = Ipv6GoldenFixtures.TcpSyn(hopLimit: 33);
        Assert.Equal(DropReason.None, PacketParser.Parse(frame, 0, frame.Length, out PacketView view));
        Assert.True(view.IsIpv6);
        Assert.Equal(14, view.L3Offset);
        Assert.Equal(40, view.IpHeaderLength);
        Assert.Equal(54, view.L4Offset);
        Assert.Equal(frame.Length - 14, view.IpTotalLength);
        Assert.Equal(Ipv6Address.Parse(Ipv6GoldenFixtures.Client6), view.SourceAddress6);
        Assert.Equal(Ipv6Address.Parse(Ipv6GoldenFixtures.Vip6), view.DestinationAddress6);
        Assert.Equal(0u, view.SourceAddress);
        Assert.Equal((byte)33, view.Ttl);
        Assert.Equal((byte)6, view.Protocol);
        Assert.Equal(ClientPort, view.SourcePort);
        Assert.Equal(NatTcpPort, view.DestinationPort);
        Assert.Equal(28, view.TcpHeaderLength);
        Assert.True(view.IsTcpSynOnly);
    }

    [Fact]
    public void Parse_ChainOfFourHeadersInLargerBuffer_PutsL4AfterTheChainAtAbsoluteOffsets()
    {
        byte[] frame = F6.WithExtensions(Ipv6GoldenFixtures.Datagram(), (F6.HopByHop, F6.OptionsHeader()), (F6.DestinationOptions, F6.OptionsHeader(4, 1, 4)),
            (F6.Routing, F6.RoutingHeader(0)), (F6.Fragment, F6.FragmentHeader(0, false)));
        byte[] buffer = new byte[frame.Length + 100];
        frame.CopyTo(buffer, 60);
        Assert.Equal(DropReason.None, PacketParser.Parse(buffer, 60, frame.Length, out PacketView view));
        Assert.Equal(74, view.L3Offset);
        Assert.Equal(40 + 8 + 8 + 24 + 8, view.IpHeaderLength);
        Assert.Equal(74 + 88, view.L4Offset);
        Assert.Equal((byte)17, view.Protocol);
        Assert.Equal(NatUdpPort, view.DestinationPort);
    }

    [Theory]
    [MemberData(nameof(WellFormedNames))]
    public void Parse_WellFormedFixture_AgreesWithPacketDotNet(string name)
    {
        byte[] frame = Ipv6GoldenFixtures.ByName(name).Input;
        Assert.Equal(DropReason.None, PacketParser.Parse(frame, 0, frame.Length, out PacketView view));
        var ip = Packet.ParsePacket(LinkLayers.Ethernet, frame).Extract<IPv6Packet>();
        Assert.NotNull(ip);
        Assert.Equal(Ipv6Address.Parse(ip.SourceAddress.ToString()), view.SourceAddress6);
        Assert.Equal(Ipv6Address.Parse(ip.DestinationAddress.ToString()), view.DestinationAddress6);
        Assert.Equal(ip.HopLimit, view.Ttl);
        Assert.Equal((byte)ip.Protocol, view.Protocol);
        Assert.Equal(ip.PayloadLength + 40, view.IpTotalLength);
        if (ip.PayloadPacket is TransportPacket transport)
        {
            Assert.Equal(transport.SourcePort, view.SourcePort);
            Assert.Equal(transport.DestinationPort, view.DestinationPort);
            Assert.Equal(frame.Length - transport.TotalPacketLength, view.L4Offset);
        }
        else
        {
            // PacketDotNet 1.4.8 counts an ICMPv6 message's 4 header bytes twice, so its extension headers place it.
            Assert.Equal(58, view.Protocol);
            Assert.Equal(14 + 40 + ip.ExtensionHeaders.Sum(e => e.Length), view.L4Offset);
        }
    }

    [Fact]
    public void Parse_EveryCutOfEveryIpv6Fixture_GivesADefinedReasonAndStaysInsideTheCut()
    {
        foreach (GoldenFixture f in Ipv6Fixtures())
        {
            for (int length = 0; length <= f.Input.Length; length++)
            {
                DropReason reason = PacketParser.Parse(f.Input, 0, length, out PacketView view);
                Assert.True(Enum.IsDefined(reason), $"{f.Name} cut at {length}: {reason}");
                if (reason == DropReason.None && view.IsIpv6)
                {
                    Assert.True(view.L4Offset + 8 <= length && view.L3Offset + view.IpTotalLength <= length, $"{f.Name} cut at {length}: L4 at {view.L4Offset}, total {view.IpTotalLength}");
                }
            }
        }
    }

    [Fact]
    public void Parse_CapturedBytesBeyondPayloadLength_AreIgnored()
    {
        // Ethernet pads short frames: bytes past the payload length must not be read as more headers.
        byte[] frame = Ipv6GoldenFixtures.Datagram();
        byte[] padded = [.. frame, .. new byte[20]];
        Assert.Equal(DropReason.None, PacketParser.Parse(padded, 0, padded.Length, out PacketView view));
        Assert.Equal(frame.Length - 14, view.IpTotalLength);
    }

    [Fact]
    public void IsMartianSource_SpecialAndOrdinaryAddresses()
    {
        Assert.True(Ipv6Address.IsMartianSource(Ipv6Address.Parse("::")));
        Assert.True(Ipv6Address.IsMartianSource(Ipv6Address.Parse("::1")));
        Assert.True(Ipv6Address.IsMartianSource(Ipv6Address.Parse("ff05::2")));
        Assert.True(Ipv6Address.IsMartianSource(Ipv6Address.Parse("::ffff:10.0.0.1")));
        Assert.False(Ipv6Address.IsMartianSource(Ipv6Address.Parse("fe80::1")));
        Assert.False(Ipv6Address.IsMartianSource(Ipv6Address.Parse("2001:db8::ffff:0:1")));
        Assert.False(Ipv6Address.IsMartianSource(Ipv6Address.Parse("::2")));
    }

    [Theory]
    [InlineData("2001:db8::1", "0x20010db8000000000000000000000001")]
    [InlineData("fe80::a:b:c:d", "0xfe80000000000000000a000b000c000d")]
    public void Parse_Text_GivesHostOrderValueAndFormatsBack(string text, string hex)
    {
        UInt128 address = Ipv6Address.Parse(text);
        Assert.Equal(UInt128.Parse(hex[2..], System.Globalization.NumberStyles.HexNumber, null), address);
        Assert.Equal(text, Ipv6Address.Format(address));
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("fe80::1%2")]
    [InlineData("2001:db8::g")]
    [InlineData("")]
    public void TryParse_NotAnIpv6Address_IsFalse(string text) => Assert.False(Ipv6Address.TryParse(text, out _));

    private static IEnumerable<GoldenFixture> Ipv6Fixtures() => GoldenFixtures.All.Values.Where(f => f.Name.StartsWith("v6-", StringComparison.Ordinal));
}
