using System.Buffers.Binary;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Tests.TestSupport;
using static LoadBalancer.Modes.Tests.Pipeline.TestEnvironment;
using F6 = LoadBalancer.Modes.Tests.TestSupport.Frames6;

namespace LoadBalancer.Modes.Tests.Checksums;

/// <summary>IPv6 pseudo-header checksums against PacketDotNet's (which builds the TCP and UDP frames here) and a naive reference.</summary>
public class Ipv6ChecksumTests
{
    private const int L4 = 54;

    public static TheoryData<int> PayloadSizes() => [0, 1, 2, 3, 63, 64, 255, 1199, 1440];

    [Theory]
    [MemberData(nameof(PayloadSizes))]
    public void WriteTransportChecksum_Tcp_MatchesPacketDotNet(int payload)
    {
        var random = new Random(payload);
        for (int i = 0; i < 50; i++)
        {
            (string src, string dst) = (RandomAddress(random), RandomAddress(random));
            byte[] frame = F6.Tcp(ClientMac, BalancerMac, src, dst, (ushort)random.Next(1, 65536), 443, Frames.Ack | Frames.Psh, payload, seq: (uint)random.Next());
            AssertRecomputedEqualsStored(frame, src, dst, 6, 16);
        }
    }

    [Theory]
    [MemberData(nameof(PayloadSizes))]
    public void WriteTransportChecksum_Udp_MatchesPacketDotNet(int payload)
    {
        var random = new Random(1000 + payload);
        for (int i = 0; i < 50; i++)
        {
            (string src, string dst) = (RandomAddress(random), RandomAddress(random));
            byte[] frame = F6.Udp(ClientMac, BalancerMac, src, dst, (ushort)random.Next(1, 65536), 53, payload);
            AssertRecomputedEqualsStored(frame, src, dst, 17, 6);
        }
    }

    [Fact]
    public void WriteTransportChecksum_Icmpv6_MatchesNaiveReference()
    {
        byte[] frame = F6.Icmp(ClientMac, BalancerMac, "fe80::1", "ff02::1:ff00:100", 135, 0, [0, 0, 0, 0, .. System.Net.IPAddress.Parse("2001:db8::100").GetAddressBytes()]);
        AssertRecomputedEqualsStored(frame, "fe80::1", "ff02::1:ff00:100", 58, 2);
    }

    [Fact]
    public void PseudoHeaderSum_MatchesNaiveWordSumOfTheRfc8200Layout()
    {
        var random = new Random(8200);
        for (int i = 0; i < 500; i++)
        {
            UInt128 src = Ipv6Address.Parse(RandomAddress(random));
            UInt128 dst = Ipv6Address.Parse(RandomAddress(random));
            int length = random.Next(0, 100_000);
            byte next = (byte)random.Next(256);
            byte[] pseudo = new byte[40];
            BinaryPrimitives.WriteUInt128BigEndian(pseudo, src);
            BinaryPrimitives.WriteUInt128BigEndian(pseudo.AsSpan(16), dst);
            BinaryPrimitives.WriteUInt32BigEndian(pseudo.AsSpan(32), (uint)length);
            pseudo[39] = next;
            ushort expected = RefChecksum.Compute(pseudo);
            Assert.Equal(expected, InternetChecksum.Finish(InternetChecksum.PseudoHeaderSum(src, dst, next, length)));
        }
    }

    [Fact]
    public void Apply128AndApply16_DestinationAndPortRewrite_MatchPacketDotNetFrameBuiltWithTheNewValues()
    {
        var random = new Random(1624);
        string[] edges = ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::2", "2001:db8::", "ffff::ffff"];
        for (int i = 0; i < 400; i++)
        {
            string src = i < edges.Length ? edges[i] : RandomAddress(random);
            string vip = RandomAddress(random);
            string backend = i < edges.Length ? edges[(i + 1) % edges.Length] : RandomAddress(random);
            int payload = random.Next(0, 300);
            bool udp = (i & 1) == 1;
            ushort backendPort = (ushort)random.Next(1, 65536);
            byte[] before = udp ? F6.Udp(ClientMac, BalancerMac, src, vip, 40000, 53, payload) : F6.Tcp(ClientMac, BalancerMac, src, vip, 40000, 80, Frames.Ack, payload);
            byte[] expected = udp ? F6.Udp(ClientMac, BalancerMac, src, backend, 40000, backendPort, payload) : F6.Tcp(ClientMac, BalancerMac, src, backend, 40000, backendPort, Frames.Ack, payload);

            byte[] rewritten = (byte[])before.Clone();
            Span<byte> checksum = rewritten.AsSpan(L4 + (udp ? 6 : 16), 2);
            UInt128 newAddress = Ipv6Address.Parse(backend);
            IncrementalChecksum.Apply128(checksum, Ipv6Address.Parse(vip), newAddress);
            BinaryPrimitives.WriteUInt128BigEndian(rewritten.AsSpan(14 + 24), newAddress);
            IncrementalChecksum.Apply16(checksum, udp ? (ushort)53 : (ushort)80, backendPort);
            BinaryPrimitives.WriteUInt16BigEndian(rewritten.AsSpan(L4 + 2), backendPort);
            if (udp && BinaryPrimitives.ReadUInt16BigEndian(checksum) == 0)
            {
                // RFC 1624's equation never yields 0 from a non-zero sum, but the full computation sends 0xFFFF for 0.
                continue;
            }

            string? diff = HexDiff.Describe(expected, rewritten);
            Assert.True(diff is null, $"case {i} ({(udp ? "udp" : "tcp")} {vip} -> {backend}): {diff}");
        }
    }

    private static void AssertRecomputedEqualsStored(byte[] frame, string src, string dst, byte next, int checksumOffset)
    {
        ushort stored = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(L4 + checksumOffset));
        byte[] copy = (byte[])frame.Clone();
        copy[L4 + checksumOffset] ^= 0x5A;
        InternetChecksum.WriteTransportChecksum(copy.AsSpan(L4), Ipv6Address.Parse(src), Ipv6Address.Parse(dst), next, checksumOffset);
        Assert.Equal(stored, BinaryPrimitives.ReadUInt16BigEndian(copy.AsSpan(L4 + checksumOffset)));
        Assert.NotEqual((ushort)0, stored);

        // And the naive reference over the RFC 8200 pseudo-header laid out in bytes agrees (the stored sum verifies to 0).
        byte[] pseudo = new byte[40 + frame.Length - L4];
        frame.AsSpan(14 + 8, 32).CopyTo(pseudo);
        BinaryPrimitives.WriteUInt32BigEndian(pseudo.AsSpan(32), (uint)(frame.Length - L4));
        pseudo[39] = next;
        frame.AsSpan(L4).CopyTo(pseudo.AsSpan(40));
        Assert.Equal((ushort)0, RefChecksum.Compute(pseudo));
    }

    private static string RandomAddress(Random random)
    {
        byte[] bytes = new byte[16];
        random.NextBytes(bytes);
        bytes[0] = 0x20;
        return new System.Net.IPAddress(bytes).ToString();
    }
}
