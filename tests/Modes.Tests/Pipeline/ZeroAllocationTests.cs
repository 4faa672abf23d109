using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Modes.Tests.Pipeline;

public class ZeroAllocationTests
{
    [Fact]
    public void Process_TenThousandFixturePackets_AllocatesNothing()
    {
        (L4Processor processor, _, _) = TestEnvironment.BuildProcessor(capacity: 65_536);
        var frames = new List<(byte[] Frame, int Headroom)>();
        foreach (GoldenFixture f in GoldenFixtures.All.Values)
        {
            foreach (byte[] p in f.Prelude)
            {
                frames.Add((p, 64));
            }

            frames.Add((f.Input, f.Headroom));
        }

        byte[] buffer = new byte[4096];
        long transmitted = 0;
        void RunAll(int count)
        {
            for (int i = 0; i < count; i++)
            {
                (byte[] frame, int headroom) = frames[i % frames.Count];
                frame.CopyTo(buffer, headroom);
                if (processor.Process(buffer, headroom, frame.Length, 1).Verdict == Verdict.Tx)
                {
                    transmitted++;
                }
            }
        }

        RunAll(frames.Count * 3);
        IReadOnlyList<long> rounds = Allocations.UntilSteady(() => RunAll(10_000));
        Assert.True(Allocations.Settled(rounds), Allocations.Describe(rounds));
        Assert.True(transmitted > 5_000, $"only {transmitted} packets were transmitted: the loop did not exercise the modes");
    }
}
