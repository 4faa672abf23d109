using System.Net;
using LoadBalancer.Modes.ClientAddress;
using LoadBalancer.Modes.Tests.TestSupport;
using PacketDotNet;

namespace LoadBalancer.Modes.Tests.ClientAddress;

public class ClientAddressOptionParserTests
{
    private static readonly byte[] Option = [254, 10, 0x4C, 0x42, 0x9C, 0x40, 192, 168, 1, 10];

    [Fact]
    public void TryParse_Ipv4SynWithOption_ReturnsAddressAndPort()
    {
        byte[] syn = Syn([2, 4, 5, 0xB4, 1, 1, .. Option]);

        Assert.Equal(ClientAddressParseStatus.Found, ClientAddressOptionParser.TryParse(syn, out uint address, out ushort port));
        Assert.Equal(0xC0A8010Au, address);
        Assert.Equal(40000, port);
    }

    [Fact]
    public void TryParse_Ipv6SynWithOption_ReturnsAddressAndPort()
    {
        byte[] tcp = Frames.IpPart(Frames.Tcp("02:00:00:00:00:01", "02:00:00:00:00:02", "10.0.0.1", "10.0.0.2", 1, 2, Frames.Syn, options: [1, 1, .. Option]))[20..];
        var ip6 = new IPv6Packet(IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8::2")) { NextHeader = ProtocolType.Tcp, PayloadLength = (ushort)tcp.Length };
        byte[] syn = [.. ip6.HeaderData, .. tcp];

        Assert.Equal(ClientAddressParseStatus.Found, ClientAddressOptionParser.TryParse(syn, out uint address, out _));
        Assert.Equal(0xC0A8010Au, address);
    }

    [Theory]
    [InlineData(new byte[] { 2, 4, 5, 0xB4 })]
    [InlineData(new byte[] { 254, 4, 0x12, 0x34 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 254, 10, 0x4C, 0x42, 0, 80, 1, 2, 3, 4, 1, 1 })]
    public void TryParse_NoOptionOfOurs_ReturnsAbsent(byte[] options) =>
        Assert.Equal(ClientAddressParseStatus.Absent, ClientAddressOptionParser.TryParse(Syn(options), out _, out _));

    [Fact]
    public void TryParse_TwoOptions_TakesTheFirst()
    {
        byte[] syn = Syn([1, 1, .. Option, 1, 1, 254, 10, 0x4C, 0x42, 0, 80, 1, 2, 3, 4]);

        Assert.Equal(ClientAddressParseStatus.Found, ClientAddressOptionParser.TryParse(syn, out uint address, out _));
        Assert.Equal(0xC0A8010Au, address);
    }

    [Theory]
    [InlineData(new byte[] { 254, 8, 0x4C, 0x42, 0, 80, 1, 2 }, "our ExID with a wrong length")]
    [InlineData(new byte[] { 2, 1, 0, 0 }, "option length 1")]
    [InlineData(new byte[] { 1, 1, 1, 2, 40, 0, 0, 0 }, "option longer than the header")]
    [InlineData(new byte[] { 1, 1, 1, 254 }, "kind without a length byte")]
    public void TryParse_MalformedOptions_ReturnsMalformed(byte[] options, string why) =>
        Assert.True(ClientAddressParseStatus.Malformed == ClientAddressOptionParser.TryParse(Syn(options), out _, out _), why);

    [Fact]
    public void TryParse_BrokenHeaders_ReturnMalformed()
    {
        byte[] syn = Syn([1, 1, .. Option]);
        Assert.Equal(ClientAddressParseStatus.Malformed, ClientAddressOptionParser.TryParse([], out _, out _));
        Assert.Equal(ClientAddressParseStatus.Malformed, ClientAddressOptionParser.TryParse(syn.AsSpan(0, 30), out _, out _));
        Assert.Equal(ClientAddressParseStatus.Malformed, ClientAddressOptionParser.TryParse(syn.AsSpan(0, 50), out _, out _));
        Assert.Equal(ClientAddressParseStatus.Malformed, ClientAddressOptionParser.TryParse(Patch(syn, 0, 0x55), out _, out _));
        Assert.Equal(ClientAddressParseStatus.Malformed, ClientAddressOptionParser.TryParse(Patch(syn, 9, 17), out _, out _));
        Assert.Equal(ClientAddressParseStatus.Malformed, ClientAddressOptionParser.TryParse(Patch(syn, 32, 0x40), out _, out _));
        Assert.Equal(ClientAddressParseStatus.Malformed, ClientAddressOptionParser.TryParse(Patch(syn, 0, 0x43), out _, out _));
    }

    private static byte[] Syn(byte[] options) =>
        Frames.IpPart(Frames.Tcp("02:00:00:00:00:01", "02:00:00:00:00:02", "10.1.0.1", "10.1.0.11", 1024, 8080, Frames.Syn, options: options));

    private static byte[] Patch(byte[] data, int offset, byte value)
    {
        byte[] copy = [.. data];
        copy[offset] = value;
        return copy;
    }
}
