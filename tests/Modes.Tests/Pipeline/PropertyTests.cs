using CsCheck;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;

namespace LoadBalancer.Modes.Tests.Pipeline;

public class PropertyTests
{
    private const int Headroom = 64;
    private const int Tail = 64;
    private const byte Guard = 0xA5;

    private static readonly byte[][] s_seeds = BuildSeeds();

    [Fact]
    public void Process_RandomFrames_NeverThrowsNorWritesOutsideItsRegion()
    {
        (L4Processor processor, _, _) = TestEnvironment.BuildProcessor();
        Gen.Byte.Array[0, 200].Sample(frame => Check(processor, frame), iter: 3000, threads: 1);
    }

    [Fact]
    public void Process_MutatedFixtureFrames_NeverThrowsNorWritesOutsideItsRegion()
    {
        (L4Processor processor, _, _) = TestEnvironment.BuildProcessor();
        foreach (byte[] seed in s_seeds)
        {
            Check(processor, seed);
        }

        Gen.Select(Gen.Int[0, s_seeds.Length - 1], Gen.Select(Gen.Int[0, 2000], Gen.Byte).Array[1, 6], Gen.Int[-40, 8])
            .Sample((seedIndex, mutations, cut) =>
            {
                byte[] frame = (byte[])s_seeds[seedIndex].Clone();
                foreach ((int at, byte value) in mutations)
                {
                    frame[at % frame.Length] = value;
                }

                int length = Math.Clamp(frame.Length + Math.Min(cut, 0), 0, frame.Length);
                Check(processor, frame[..length]);
            }, iter: 5000, threads: 1);
    }

    private static void Check(L4Processor processor, byte[] frame)
    {
        byte[] buffer = new byte[Headroom + frame.Length + Tail];
        Array.Fill(buffer, Guard);
        frame.CopyTo(buffer, Headroom);
        ForwardResult r = processor.Process(buffer, Headroom, frame.Length, 1);
        Assert.True(Enum.IsDefined(r.Verdict), $"verdict {r.Verdict}");
        Assert.True(Enum.IsDefined(r.Reason), $"reason {r.Reason}");
        Assert.True(r.Verdict == Verdict.Drop ? r.Reason != DropReason.None : r.Reason == DropReason.None);
        int lowest = Headroom - L4Processor.TunnelHeadroom;
        int end = Headroom + frame.Length;
        if (r.Verdict == Verdict.Tx)
        {
            // Output starts in the headroom (an outer header) or inside the frame (a tunnel Packet Too Big rebuilt shorter).
            Assert.InRange(r.Offset, lowest, end - EthernetHeader.Length);
            Assert.InRange(r.Offset + r.Length, r.Offset, end);
        }

        for (int i = 0; i < lowest; i++)
        {
            Assert.True(buffer[i] == Guard, $"wrote before the headroom at {i}");
        }

        for (int i = end; i < buffer.Length; i++)
        {
            Assert.True(buffer[i] == Guard, $"wrote past the frame at {i}");
        }
    }

    private static byte[][] BuildSeeds()
    {
        var seeds = new List<byte[]>();
        foreach (GoldenFixture f in GoldenFixtures.All.Values)
        {
            seeds.AddRange(f.Prelude);
            seeds.Add(f.Input);
        }

        return [.. seeds];
    }
}
