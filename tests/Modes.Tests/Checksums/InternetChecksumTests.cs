using System.Buffers.Binary;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Tests.TestSupport;

namespace LoadBalancer.Modes.Tests.Checksums;

public class InternetChecksumTests
{
    [Fact]
    public void Sum_Rfc1071Section3Example_IsDdf2()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (after folding the carries).
        byte[] data = [0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7];
        Assert.Equal(0xDDF2u, InternetChecksum.Sum(data, 0));
        Assert.Equal((ushort)0x220D, InternetChecksum.Compute(data));
    }

    [Fact]
    public void Compute_KnownIpv4Header_IsB861()
    {
        byte[] header = Convert.FromHexString("450000730000400040110000c0a80001c0a800c7");
        Assert.Equal((ushort)0xB861, InternetChecksum.Compute(header));
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), 0xB861);
        Assert.Equal((ushort)0, InternetChecksum.Compute(header));
    }

    [Fact]
    public void Compute_EveryLengthUpTo300_MatchesNaiveReference()
    {
        var random = new Random(1071);
        for (int length = 0; length <= 300; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            Assert.True(RefChecksum.Compute(data) == InternetChecksum.Compute(data), $"length {length}");
        }
    }

    [Fact]
    public void Compute_AllOnesLong_FoldsCarries()
    {
        byte[] data = new byte[9001];
        Array.Fill(data, (byte)0xFF);
        Assert.Equal(RefChecksum.Compute(data), InternetChecksum.Compute(data));
        Assert.Equal(RefChecksum.Compute(data.AsSpan(0, 9000)), InternetChecksum.Compute(data.AsSpan(0, 9000)));
    }

    [Fact]
    public void WriteTransportChecksum_TcpSegment_MatchesPacketDotNet()
    {
        byte[] frame = Frames.Tcp("02:00:00:00:00:01", "02:00:00:00:00:02", "192.168.1.10", "10.0.0.100", 40000, 80, Frames.Ack, payload: 333);
        ushort expected = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(14 + 20 + 16));
        Span<byte> segment = frame.AsSpan(34);
        segment[16] = 0x12;
        InternetChecksum.WriteTransportChecksum(segment, 0xC0A8010A, 0x0A000064, 6, 16);
        Assert.Equal(expected, BinaryPrimitives.ReadUInt16BigEndian(segment[16..]));
    }

    [Fact]
    public void WriteTransportChecksum_UdpOddPayload_MatchesPacketDotNet()
    {
        byte[] frame = Frames.Udp("02:00:00:00:00:01", "02:00:00:00:00:02", "192.168.1.10", "10.0.0.100", 40000, 53, payload: 37);
        ushort expected = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(14 + 20 + 6));
        Span<byte> segment = frame.AsSpan(34);
        InternetChecksum.WriteTransportChecksum(segment, 0xC0A8010A, 0x0A000064, 17, 6);
        Assert.Equal(expected, BinaryPrimitives.ReadUInt16BigEndian(segment[6..]));
    }
}
