using System.Net;
using System.Net.Sockets;
using System.Text;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tools;
using LoadBalancer.TestSupport;
using Xunit;

namespace LoadBalancer.Balancer.Tests.Tools;

[Collection(NetNsCollection.Name)]
public sealed class DecapsulatorTests
{
    private static readonly IPAddress Sender = IPAddress.Parse("10.201.0.1");
    private static readonly IPAddress Backend = IPAddress.Parse("10.201.0.2");
    private static readonly IPAddress Client = IPAddress.Parse("10.201.5.5");
    private static readonly IPAddress Vip = IPAddress.Parse("10.201.9.9");

    [Fact]
    public void InnerPacket_OuterHeaderWithOptions_SkipsWholeOuterHeader()
    {
        var inner = PacketBuilder.Udp(Client, 4000, Vip, 5000, "x"u8);
        var outer = PacketBuilder.Ipv4(Sender, Backend, 4, inner);
        // Rebuild with IHL 6: four bytes of options (NOPs) between the outer header and the inner packet.
        var withOptions = new byte[outer.Length + 4];
        outer.AsSpan(0, 20).CopyTo(withOptions);
        withOptions[0] = 0x46;
        withOptions[2] = (byte)(withOptions.Length >> 8);
        withOptions[3] = (byte)withOptions.Length;
        withOptions.AsSpan(20, 4).Fill(1);
        inner.CopyTo(withOptions.AsSpan(24));

        var result = Decapsulator.InnerPacket(withOptions);

        Assert.Equal(inner, result.ToArray());
    }

    [Theory]
    [InlineData(0)] // empty
    [InlineData(1)] // outer only, no inner
    [InlineData(2)] // inner truncated
    [InlineData(3)] // outer protocol is not 4
    public void InnerPacket_Malformed_ReturnsEmpty(int variant)
    {
        var inner = PacketBuilder.Udp(Client, 4000, Vip, 5000, "hello"u8);
        byte[] packet = variant switch
        {
            0 => [],
            1 => PacketBuilder.Ipv4(Sender, Backend, 4, []),
            2 => PacketBuilder.Ipv4(Sender, Backend, 4, inner.AsSpan(0, inner.Length - 3)),
            _ => PacketBuilder.Ipv4(Sender, Backend, 17, inner),
        };

        Assert.True(Decapsulator.InnerPacket(packet).IsEmpty);
    }

    [SkippableFact]
    public void Run_WithDuration_StopsOnItsOwnAndPrintsCounters()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var ns = NetworkNamespace.Create("dr");
        var output = new StringWriter();
        var started = DateTime.UtcNow;

        int exit = ns.Run(() => DecapCommand.Run("lbtun1", durationSeconds: 1, statsIntervalSeconds: 0, output, TextWriter.Null));

        Assert.Equal(0, exit);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.Contains("stopped: received=0 decapsulated=0 malformed=0 write_errors=0", output.ToString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Start_IpipPacketForVip_InnerDatagramReachesListenerOnVip()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var a = NetworkNamespace.Create("da");
        using var b = NetworkNamespace.Create("db");
        NetworkNamespace.AddVeth(a, "eth0", b, "eth0");
        a.Ip("addr", "add", "10.201.0.1/24", "dev", "eth0");
        b.Ip("addr", "add", "10.201.0.2/24", "dev", "eth0");
        b.Ip("addr", "add", "10.201.9.9/32", "dev", "lo");
        b.Sysctl("net.ipv4.conf.all.rp_filter", "0");
        b.Sysctl("net.ipv4.conf.eth0.rp_filter", "0");
        using var decap = new Decapsulator(new DecapOptions("lbtun0"));
        b.Run(decap.Start);
        using var listener = b.Run(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(Vip, 5000));
            socket.ReceiveTimeout = 5000;
            return socket;
        });
        using var raw = a.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw));
        var inner = PacketBuilder.Udp(Client, 4000, Vip, 5000, "hello"u8);
        var garbage = PacketBuilder.Ipv4(Sender, Backend, 4, new byte[12]);

        raw.SendTo(PacketBuilder.Ipv4(Sender, Backend, 4, inner), new IPEndPoint(Backend, 0));
        raw.SendTo(garbage, new IPEndPoint(Backend, 0));
        var buffer = new byte[64];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int received = listener.ReceiveFrom(buffer, ref from);

        Assert.Equal("hello", Encoding.ASCII.GetString(buffer, 0, received));
        Assert.Equal(new IPEndPoint(Client, 4000), from);
        // A packet is counted received before it is parsed and counted malformed: wait for the whole record.
        var expected = new DecapCounters(Received: 2, Decapsulated: 1, Malformed: 1, WriteErrors: 0);
        Poll.TryUntil(() => decap.Counters == expected, TimeSpan.FromSeconds(5));

        Assert.Equal(expected, decap.Counters);
    }
}
