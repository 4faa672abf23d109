using System.Buffers.Binary;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Tests.TestSupport;
using static LoadBalancer.Modes.Tests.Pipeline.TestEnvironment;
using F6 = LoadBalancer.Modes.Tests.TestSupport.Frames6;

namespace LoadBalancer.Modes.Tests.Forwarding;

/// <summary>The tunnel data-path probe's IPv6 wrap: the balancer's own SYN to the VIP inside an outer IPv6 header (next header 41) to the chosen backend.</summary>
public class Ip6ip6ProbeWrapperTests
{
    private const string Source6 = "fd00:200::2";
    private const string Vip6 = "fd00:200::100";
    private const string Backend6 = "fd00:200::11";
    private const string NextHopMac = "02:00:00:00:02:11";

    private static EthernetAddress Mac(string text) => EthernetAddress.TryParse(text, out EthernetAddress mac) ? mac : throw new FormatException(text);

    [Fact]
    public void Wrap_ProbeSyn_OuterHeaderToTheBackendInFrontOfTheUntouchedPacket()
    {
        byte[] input = F6.Tcp("00:00:00:00:00:00", "00:00:00:00:00:00", Source6, Vip6, 40123, 80, TcpHeader.FlagSyn);
        byte[] buffer = new byte[input.Length + 60];
        input.CopyTo(buffer, 40);

        DropReason reason = Ip6ip6ProbeWrapper.Wrap(buffer, 40, input.Length, MssClampMode.Off, 0, ChecksumMode.Full,
            Ipv6Address.Parse(Source6), Ipv6Address.Parse(Backend6), Mac(NextHopMac), Mac(BalancerMac), out int offset, out int length);

        Assert.Equal(DropReason.None, reason);
        Assert.Equal((0, input.Length + 40), (offset, length));
        byte[] expected = new byte[input.Length + 40];
        Mac(NextHopMac).Write(expected);
        Mac(BalancerMac).Write(expected.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(expected.AsSpan(12), 0x86DD);
        Span<byte> outer = expected.AsSpan(14, 40);
        input.AsSpan(14, 4).CopyTo(outer);
        BinaryPrimitives.WriteUInt16BigEndian(outer[4..], (ushort)(input.Length - 14));
        outer[6] = 41;
        outer[7] = 64;
        BinaryPrimitives.WriteUInt128BigEndian(outer[8..], Ipv6Address.Parse(Source6));
        BinaryPrimitives.WriteUInt128BigEndian(outer[24..], Ipv6Address.Parse(Backend6));
        input.AsSpan(14).CopyTo(expected.AsSpan(54));
        string? diff = HexDiff.Describe(expected, buffer.AsSpan(offset, length));
        Assert.True(diff is null, diff);
    }

    [Fact]
    public void Wrap_Ipv4FrameOrNoHeadroom_IsRefusedWithItsReason()
    {
        byte[] v6 = F6.Tcp("00:00:00:00:00:00", "00:00:00:00:00:00", Source6, Vip6, 40123, 80, TcpHeader.FlagSyn);
        byte[] tight = new byte[v6.Length + 20];
        v6.CopyTo(tight, 20);
        byte[] v4 = new byte[14 + 40 + 40];
        BinaryPrimitives.WriteUInt16BigEndian(v4.AsSpan(40 + 12), 0x0800);
        v4[40 + 14] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(v4.AsSpan(40 + 16), 40);
        v4[40 + 14 + 8] = 64;
        v4[40 + 14 + 9] = 6;

        DropReason noRoom = Ip6ip6ProbeWrapper.Wrap(tight, 20, v6.Length, MssClampMode.Off, 0, ChecksumMode.Full,
            Ipv6Address.Parse(Source6), Ipv6Address.Parse(Backend6), Mac(NextHopMac), Mac(BalancerMac), out _, out _);
        DropReason ipv4 = Ip6ip6ProbeWrapper.Wrap(v4, 40, 54, MssClampMode.Off, 0, ChecksumMode.Full,
            Ipv6Address.Parse(Source6), Ipv6Address.Parse(Backend6), Mac(NextHopMac), Mac(BalancerMac), out _, out _);

        Assert.Equal(DropReason.NoHeadroom, noRoom);
        Assert.NotEqual(DropReason.None, ipv4);
        Assert.Equal(v6, tight[20..]);
    }
}
