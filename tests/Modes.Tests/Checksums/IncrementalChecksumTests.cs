using System.Buffers.Binary;
using CsCheck;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Tests.TestSupport;

namespace LoadBalancer.Modes.Tests.Checksums;

public class IncrementalChecksumTests
{
    [Fact]
    public void Update16_RandomWordChange_EqualsFullRecompute()
    {
        Gen.Select(Gen.Byte.Array[2, 64], Gen.Int[0, 31], Gen.UShort).Sample((data, wordIndex, newWord) =>
        {
            int length = data.Length & ~1;
            if (length < 2)
            {
                return;
            }

            int at = (wordIndex * 2) % length;
            ushort before = RefChecksum.Compute(data.AsSpan(0, length));
            ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(at));
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(at), newWord);
            ushort full = RefChecksum.Compute(data.AsSpan(0, length));
            ushort incremental = IncrementalChecksum.Update16(before, oldWord, newWord);

            // RFC 1624: eqn. 3 may give 0xFFFF where a recompute gives 0x0000 only for an all-zero sum; both mean "sum is zero".
            Assert.True(full == incremental || (full == 0xFFFF && incremental == 0) || (full == 0 && incremental == 0xFFFF), $"full {full:x4} incremental {incremental:x4}");
        }, iter: 5000);
    }

    [Fact]
    public void Update32_AddressChangeInPseudoHeader_MatchesPacketDotNetChecksum()
    {
        byte[] before = Frames.Tcp("02:00:00:00:00:01", "02:00:00:00:00:02", "192.168.1.10", "10.0.0.100", 40000, 80, Frames.Syn, payload: 11);
        byte[] after = Frames.Tcp("02:00:00:00:00:01", "02:00:00:00:00:02", "192.168.1.10", "10.1.0.11", 40000, 80, Frames.Syn, payload: 11);
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(before.AsSpan(50));
        ushort updated = IncrementalChecksum.Update32(checksum, 0x0A000064, 0x0A01000B);
        Assert.Equal(BinaryPrimitives.ReadUInt16BigEndian(after.AsSpan(50)), updated);
    }

    [Fact]
    public void Update16_Rfc1624Section4Example_GivesZeroNotFfff()
    {
        // RFC 1624 section 4: HC = 0xDD2F, m = 0x5555 -> m' = 0x3285; eqn. 3 gives 0x0000 (eqn. 2 would wrongly give 0xFFFF).
        Assert.Equal((ushort)0x0000, IncrementalChecksum.Update16(0xDD2F, 0x5555, 0x3285));
    }
}
