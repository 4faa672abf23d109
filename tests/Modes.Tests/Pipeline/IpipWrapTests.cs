using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Tests.TestSupport;
using static LoadBalancer.Modes.Tests.Pipeline.TestEnvironment;

namespace LoadBalancer.Modes.Tests.Pipeline;

/// <summary>The wrap the tunnel data-path probe uses is byte for byte what the data plane does to a client's packet.</summary>
public class IpipWrapTests
{
    private static readonly byte[] Mss1460 = [2, 4, 0x05, 0xB4, 1, 1, 4, 2];
    private const int Headroom = 64;

    [Theory]
    [InlineData(Frames.Syn)]
    [InlineData(Frames.Ack)]
    public void Wrap_ProbeSegment_SameBytesAsTheProcessorSendsForAClient(byte flags)
    {
        byte[] frame = Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, TunnelTcpPort, flags, options: Mss1460);
        var (processor, _, _) = BuildProcessor();
        ForwardResult viaProcessor = GoldenFixtureTests.Run(processor, frame, Headroom, out byte[] processed);
        Assert.Equal(Verdict.Tx, viaProcessor.Verdict);
        string backend = BackendFor(TunnelBackends, Client, ClientPort, TunnelTcpPort, 6);
        EthernetAddress.TryParse(BackendMac(backend), out EthernetAddress backendMac);
        EthernetAddress.TryParse(BalancerMac, out EthernetAddress balancerMac);

        byte[] buffer = new byte[Headroom + frame.Length];
        frame.CopyTo(buffer, Headroom);
        DropReason reason = IpipForwardingMode.Wrap(
            buffer, Headroom, frame.Length, MssClampMode.SubtractOverhead, 0, ChecksumMode.Full, Ipv4Address.Parse(TunnelSource),
            Ipv4Address.Parse(backend), FirstIpId, backendMac, balancerMac, out int offset, out int length);

        Assert.Equal(DropReason.None, reason);
        byte[] expected = processed.AsSpan(viaProcessor.Offset, viaProcessor.Length).ToArray();
        byte[] actual = buffer.AsSpan(offset, length).ToArray();
        Assert.True(expected.AsSpan().SequenceEqual(actual), HexDiff.Describe(expected, actual));
    }

    [Fact]
    public void Wrap_TruncatedOrWithoutHeadroom_DropReasonNoThrow()
    {
        byte[] frame = Frames.Tcp(ClientMac, BalancerMac, Client, Vip, ClientPort, TunnelTcpPort, Frames.Syn);
        byte[] buffer = new byte[Headroom + frame.Length];
        frame.CopyTo(buffer, Headroom);

        DropReason truncated = IpipForwardingMode.Wrap(buffer, Headroom, 30, MssClampMode.Off, 0, ChecksumMode.Full, 1, 2, 1, default, default, out _, out _);
        DropReason noRoom = IpipForwardingMode.Wrap(buffer.AsSpan(Headroom - 10).ToArray(), 10, frame.Length, MssClampMode.Off, 0, ChecksumMode.Full, 1, 2, 1, default, default, out _, out _);

        Assert.NotEqual(DropReason.None, truncated);
        Assert.Equal(DropReason.NoHeadroom, noRoom);
    }
}
