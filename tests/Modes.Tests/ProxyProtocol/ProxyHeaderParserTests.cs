using System.Buffers;
using System.Net;
using System.Text;
using LoadBalancer.Modes.ProxyProtocol;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Modes.Tests.ProxyProtocol;

public class ProxyHeaderParserTests
{
    private static readonly byte[] Payload = "GET / HTTP/1.1\r\n"u8.ToArray();

    private static byte[] V2(byte versionCommand, byte family, byte[] addresses, int? declaredLength = null) =>
    [
        .. ProxyHeaderParser.V2Signature, versionCommand, family,
        (byte)((declaredLength ?? addresses.Length) >> 8), (byte)(declaredLength ?? addresses.Length), .. addresses,
    ];

    private static ProxyParseStatus Parse(byte[] bytes, out ProxyHeader header, out ProxyHeaderError error, ProxyProtocolVersions allowed = ProxyProtocolVersions.Any) =>
        ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(bytes), allowed, out header, out error);

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\n", "203.0.113.7", 56324, "192.0.2.1", 443)]
    [InlineData("PROXY TCP6 2001:db8::7 2001:db8::1 65535 0\r\n", "2001:db8::7", 65535, "2001:db8::1", 0)]
    [InlineData("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535)]
    public void TryParse_V1Tcp_GivesAddressesAndLength(string text, string source, int sourcePort, string destination, int destinationPort)
    {
        byte[] bytes = [.. Encoding.ASCII.GetBytes(text), .. Payload];

        Assert.Equal(ProxyParseStatus.Complete, Parse(bytes, out var h, out _));

        Assert.Equal(text.Length, h.Length);
        Assert.Equal(1, h.Version);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(source), sourcePort), h.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(destination), destinationPort), h.Destination);
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n")]
    public void TryParse_V1Unknown_KeepsSocketAddress(string text)
    {
        Assert.Equal(ProxyParseStatus.Complete, Parse([.. Encoding.ASCII.GetBytes(text), .. Payload], out var h, out _));
        Assert.Equal(text.Length, h.Length);
        Assert.Null(h.Source);
    }

    [Theory]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n")]                  // LF without CR
    [InlineData("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n")]               // two spaces
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n")]               // trailing space
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n")]                  // a port missing
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n")]              // a field too many
    [InlineData("PROXY TCP4 2001:db8::1 5.6.7.8 1 2\r\n")]            // IPv6 under TCP4
    [InlineData("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n")]                // IPv4 under TCP6
    [InlineData("PROXY TCP4 1 5.6.7.8 1 2\r\n")]                      // shorthand IPv4
    [InlineData("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n")]               // leading zero
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n")]
    [InlineData("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY \r\n")]
    [InlineData("PROXY UNKNOWNX\r\n")]
    public void TryParse_V1Malformed_IsInvalid(string text)
    {
        Assert.Equal(ProxyParseStatus.Invalid, Parse(Encoding.ASCII.GetBytes(text), out _, out var error));
        Assert.Equal(ProxyHeaderError.Malformed, error);
    }

    [Fact]
    public void TryParse_V1LineOver107Bytes_IsTooLong()
    {
        byte[] noEnd = Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('1', 200));
        byte[] lateEnd = Encoding.ASCII.GetBytes("PROXY UNKNOWN " + new string('x', 93) + "\r\n");   // 109 bytes

        Assert.Equal(ProxyParseStatus.Invalid, Parse(noEnd, out _, out var e1));
        Assert.Equal(ProxyParseStatus.Invalid, Parse(lateEnd, out _, out var e2));
        Assert.Equal(ProxyHeaderError.TooLong, e1);
        Assert.Equal(ProxyHeaderError.TooLong, e2);
    }

    [Fact]
    public void TryParse_EveryPrefixOfAValidHeader_IsIncomplete()
    {
        byte[] v1 = Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\n");
        byte[] v2 = V2(0x21, 0x11, [203, 0, 113, 7, 192, 0, 2, 1, 0xDC, 0x04, 0x01, 0xBB, 0x03, 0x00, 0x01, 0x41]);
        foreach (byte[] whole in new[] { v1, v2 })
        {
            for (int cut = 0; cut < whole.Length; cut++)
            {
                Assert.Equal(ProxyParseStatus.Incomplete, Parse(whole[..cut], out _, out _));
            }
            Assert.Equal(ProxyParseStatus.Complete, Parse(whole, out var h, out _));
            Assert.Equal(whole.Length, h.Length);
        }
    }

    [Fact]
    public void TryParse_V1SplitOverSegments_IsParsed()
    {
        byte[] text = Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\n");
        var first = new Segment(text[..9]);
        var last = first.Append(text[9..20]).Append([.. text[20..], .. Payload]);

        var status = ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length), ProxyProtocolVersions.V1, out var h, out _);

        Assert.Equal(ProxyParseStatus.Complete, status);
        Assert.Equal(IPAddress.Parse("203.0.113.7"), h.Source!.Address);
    }

    [Fact]
    public void TryParse_V2Ipv4WithTlvs_SkipsTlvsAndGivesAddresses()
    {
        // Addresses (12 bytes), then a PP2_TYPE_ALPN TLV "h2" and a PP2_TYPE_NOOP TLV of 3 bytes.
        byte[] bytes = V2(0x21, 0x11, [203, 0, 113, 7, 192, 0, 2, 1, 0xDC, 0x04, 0x01, 0xBB, 0x01, 0x00, 0x02, (byte)'h', (byte)'2', 0x04, 0x00, 0x03, 0, 0, 0]);

        Assert.Equal(ProxyParseStatus.Complete, Parse([.. bytes, .. Payload], out var h, out _, ProxyProtocolVersions.V2));

        Assert.Equal(bytes.Length, h.Length);
        Assert.Equal(2, h.Version);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 56324), h.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 443), h.Destination);
    }

    [Fact]
    public void TryParse_V2Ipv6_GivesAddresses()
    {
        byte[] src = IPAddress.Parse("2001:db8::7").GetAddressBytes();
        byte[] dst = IPAddress.Parse("2001:db8::1").GetAddressBytes();
        byte[] bytes = V2(0x21, 0x21, [.. src, .. dst, 0x30, 0x39, 0x00, 0x50]);

        Assert.Equal(ProxyParseStatus.Complete, Parse(bytes, out var h, out _));

        Assert.Equal(52, h.Length);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 12345), h.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 80), h.Destination);
    }

    [Theory]
    [InlineData(0x20, 0x11)]   // LOCAL: the proxy's own connection (health check)
    [InlineData(0x21, 0x00)]   // PROXY with AF_UNSPEC
    [InlineData(0x21, 0x10)]   // AF_INET with an unspecified transport
    public void TryParse_V2LocalOrUnspec_KeepsSocketAddress(byte versionCommand, byte family)
    {
        byte[] bytes = V2(versionCommand, family, [1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2]);

        Assert.Equal(ProxyParseStatus.Complete, Parse(bytes, out var h, out _));

        Assert.Equal(28, h.Length);
        Assert.Null(h.Source);
    }

    [Theory]
    [InlineData(0x11, 0x11, 12)]   // version 1 in a v2 header
    [InlineData(0x22, 0x11, 12)]   // command 2
    [InlineData(0x21, 0x41, 12)]   // family 4
    [InlineData(0x21, 0x13, 12)]   // transport 3
    [InlineData(0x21, 0x11, 11)]   // IPv4 block shorter than 12 bytes
    [InlineData(0x21, 0x21, 12)]   // IPv6 in an IPv4-sized block
    public void TryParse_V2BadFields_IsMalformed(byte versionCommand, byte family, int length)
    {
        byte[] bytes = V2(versionCommand, family, new byte[length]);

        Assert.Equal(ProxyParseStatus.Invalid, Parse(bytes, out _, out var error));
        Assert.Equal(ProxyHeaderError.Malformed, error);
    }

    [Fact]
    public void TryParse_V2DeclaringMoreThanSent_IsIncomplete()
    {
        byte[] bytes = V2(0x21, 0x11, new byte[12], declaredLength: 500);

        Assert.Equal(ProxyParseStatus.Incomplete, Parse(bytes, out _, out _));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("PROXX TCP4")]
    [InlineData("\r\n\r\n\0\r\nQUIT?")]
    [InlineData("\u0016\u0003\u0001")]   // a TLS ClientHello
    public void TryParse_WrongSignature_IsBadSignature(string text)
    {
        Assert.Equal(ProxyParseStatus.Invalid, Parse(Encoding.Latin1.GetBytes(text), out _, out var error));
        Assert.Equal(ProxyHeaderError.BadSignature, error);
    }

    [Fact]
    public void TryParse_VersionTheListenerDoesNotTake_IsRefused()
    {
        byte[] v1 = Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\n");
        byte[] v2 = V2(0x20, 0x00, []);

        Assert.Equal(ProxyParseStatus.Invalid, Parse(v1, out _, out var e1, ProxyProtocolVersions.V2));
        Assert.Equal(ProxyParseStatus.Invalid, Parse(v2, out _, out var e2, ProxyProtocolVersions.V1));
        Assert.Equal(ProxyHeaderError.VersionNotAllowed, e1);
        Assert.Equal(ProxyHeaderError.VersionNotAllowed, e2);
    }

    [Theory]
    [InlineData(1, "203.0.113.7", 56324, "192.0.2.1", 443)]
    [InlineData(2, "203.0.113.7", 56324, "192.0.2.1", 443)]
    [InlineData(1, "2001:db8::7", 1, "2001:db8::1", 65535)]
    [InlineData(2, "2001:db8::7", 1, "2001:db8::1", 65535)]
    [InlineData(2, "::ffff:10.1.2.3", 7, "10.0.0.1", 8)]
    public void Write_ThenParse_RoundTrips(int version, string source, int sourcePort, string destination, int destinationPort)
    {
        var from = new IPEndPoint(IPAddress.Parse(source), sourcePort);
        var to = new IPEndPoint(IPAddress.Parse(destination), destinationPort);
        byte[] buffer = new byte[ProxyHeaderWriter.MaxLength];

        int n = ProxyHeaderWriter.Write(buffer, version, from, to);

        Assert.Equal(ProxyParseStatus.Complete, Parse(buffer[..n], out var h, out _));
        Assert.Equal(n, h.Length);
        Assert.Equal(version, h.Version);
        Assert.Equal(new IPEndPoint(from.Address.IsIPv4MappedToIPv6 ? from.Address.MapToIPv4() : from.Address, sourcePort), h.Source);
        Assert.Equal(to, h.Destination);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Write_MixedFamilies_SaysKeepTheSocketAddress(int version)
    {
        byte[] buffer = new byte[ProxyHeaderWriter.MaxLength];

        int n = ProxyHeaderWriter.Write(buffer, version, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1), new IPEndPoint(IPAddress.IPv6Loopback, 2));

        Assert.Equal(ProxyParseStatus.Complete, Parse(buffer[..n], out var h, out _));
        Assert.Null(h.Source);
    }

    [Fact]
    public void TryParse_HeaderWithoutAddresses_AllocatesNothing()
    {
        var v1 = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\n"));
        var v2 = new ReadOnlySequence<byte>(V2(0x20, 0x11, new byte[12]));
        ProxyHeaderParser.TryParse(v1, ProxyProtocolVersions.Any, out _, out _);
        ProxyHeaderParser.TryParse(v2, ProxyProtocolVersions.Any, out _, out _);

        var rounds = Allocations.UntilSteady(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                ProxyHeaderParser.TryParse(v1, ProxyProtocolVersions.Any, out _, out _);
                ProxyHeaderParser.TryParse(v2, ProxyProtocolVersions.Any, out _, out _);
            }
        });

        Assert.True(rounds[^1] == 0, "bytes allocated per round: " + string.Join(", ", rounds));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data) => Memory = data;

        public Segment Append(byte[] data)
        {
            var next = new Segment(data) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
