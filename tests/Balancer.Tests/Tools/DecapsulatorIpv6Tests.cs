using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tools;
using LoadBalancer.TestSupport;
using PacketDotNet;
using PacketDotNet.Utils;
using Xunit;

namespace LoadBalancer.Balancer.Tests.Tools;

[Collection(NetNsCollection.Name)]
public sealed class DecapsulatorIpv6Tests
{
    private const string Prefix = "lbv6e";
    private static readonly IPAddress Sender = IPAddress.Parse("fd00:201::1");
    private static readonly IPAddress Backend = IPAddress.Parse("fd00:201::2");
    private static readonly IPAddress Client = IPAddress.Parse("fd00:201:5::5");
    private static readonly IPAddress Vip = IPAddress.Parse("fd00:201:9::9");

    [Fact]
    public void InnerPacket6_PayloadWithTrailingBytes_ReturnsInnerPacketCutToItsLength()
    {
        var inner = Udp6(Client, 4000, Vip, 5000, "hello"u8);
        var payload = inner.Concat(new byte[7]).ToArray();

        var result = Decapsulator.InnerPacket6(payload);

        Assert.Equal(inner, result.ToArray());
        Assert.Equal(6, result[0] >> 4);
    }

    [Theory]
    [InlineData(0)] // empty
    [InlineData(1)] // shorter than an IPv6 header
    [InlineData(2)] // inner packet cut off: payload length says more than arrived
    [InlineData(3)] // inner is IPv4, not IPv6
    [InlineData(4)] // payload length 0 (jumbogram marker)
    public void InnerPacket6_Malformed_ReturnsEmpty(int variant)
    {
        var inner = Udp6(Client, 4000, Vip, 5000, "hello"u8);
        byte[] payload = variant switch
        {
            0 => [],
            1 => inner[..39],
            2 => inner[..^3],
            3 => PacketBuilder.Udp(IPAddress.Parse("10.1.1.1"), 4000, IPAddress.Parse("10.1.1.2"), 5000, new byte[40]),
            _ => Jumbo(inner),
        };

        Assert.True(Decapsulator.InnerPacket6(payload).IsEmpty);
    }

    [Fact]
    public void Counters_ToString_NamesTheIpv6Counters()
    {
        var text = new DecapCounters(1, 2, 3, 4, 5, 6, 7).ToString();

        Assert.Equal("received=1 decapsulated=2 malformed=3 write_errors=4 received6=5 decapsulated6=6 malformed6=7", text);
    }

    [SkippableFact]
    public void Start_Ip6ip6PacketForVip6_InnerDatagramReachesListenerOnVip6AndGarbageIsCounted()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var a = NetworkNamespace.Create("a", Prefix);
        using var b = NetworkNamespace.Create("b", Prefix);
        NetworkNamespace.AddVeth(a, "eth0", b, "eth0");
        a.Ip("-6", "addr", "add", $"{Sender}/64", "dev", "eth0", "nodad");
        b.Ip("-6", "addr", "add", $"{Backend}/64", "dev", "eth0", "nodad");
        b.Ip("-6", "addr", "add", $"{Vip}/128", "dev", "lo");
        using var decap = new Decapsulator(new DecapOptions("lbtun6"));
        b.Run(decap.Start);
        Assert.Null(decap.Ipv6Unavailable);
        using var listener = b.Run(() =>
        {
            var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
            socket.Bind(new IPEndPoint(Vip, 5000));
            socket.ReceiveTimeout = 5000;
            return socket;
        });

        // A raw IPv6 socket for next header 41: the kernel writes the outer header (source Sender, next header 41).
        using var raw = a.Run(() =>
        {
            int fd = Libc.Socket(10, Libc.SockRaw, 41);
            Assert.True(fd >= 0, $"socket(AF_INET6, SOCK_RAW, 41): {Libc.LastErrorText()}");
            return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        });
        var inner = Udp6(Client, 4000, Vip, 5000, "hello"u8);

        raw.SendTo(inner, new IPEndPoint(Backend, 0));
        raw.SendTo(new byte[12], new IPEndPoint(Backend, 0));
        var buffer = new byte[64];
        EndPoint from = new IPEndPoint(IPAddress.IPv6Any, 0);
        int received = listener.ReceiveFrom(buffer, ref from);

        Assert.Equal("hello", Encoding.ASCII.GetString(buffer, 0, received));
        Assert.Equal(new IPEndPoint(Client, 4000), from);
        // A packet is counted received before it is parsed and counted malformed: wait for the whole record.
        var expected = new DecapCounters(0, 0, 0, 0, Received6: 2, Decapsulated6: 1, Malformed6: 1);
        Poll.TryUntil(() => decap.Counters == expected, TimeSpan.FromSeconds(5));

        Assert.Equal(expected, decap.Counters);
    }

    [SkippableFact]
    public void Run_InNamespaceWithIpv6_SaysItListensForNextHeader41()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var ns = NetworkNamespace.Create("r", Prefix);
        var output = new StringWriter();

        int exit = ns.Run(() => DecapCommand.Run("lbtun7", durationSeconds: 1, statsIntervalSeconds: 0, output, TextWriter.Null));

        Assert.Equal(0, exit);
        Assert.Contains("listening for IP protocol 4 and IPv6 next header 41", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("received6=0 decapsulated6=0 malformed6=0", output.ToString(), StringComparison.Ordinal);
    }

    /// <summary>An IPv6 UDP datagram built by PacketDotNet, checksum over the IPv6 pseudo-header (mandatory in IPv6).</summary>
    private static byte[] Udp6(IPAddress source, ushort sourcePort, IPAddress destination, ushort destinationPort, ReadOnlySpan<byte> data)
    {
        var bytes = new byte[8 + data.Length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), (ushort)bytes.Length);
        data.CopyTo(bytes.AsSpan(8));
        var udp = new UdpPacket(new ByteArraySegment(bytes));
        var ip = new IPv6Packet(source, destination) { NextHeader = PacketDotNet.ProtocolType.Udp, HopLimit = 64, PayloadPacket = udp };
        ip.UpdateCalculatedValues();
        udp.UpdateUdpChecksum();
        return ip.Bytes;
    }

    private static byte[] Jumbo(byte[] packet)
    {
        var copy = packet.ToArray();
        copy[4] = 0;
        copy[5] = 0;
        return copy;
    }
}
