using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Modes.Tests.Pipeline;

public class ZeroAllocationTests
{
    [Fact]
    public void Process_TenThousandFixturePackets_AllocatesNothing()
    {
        (L4Processor processor, LoadBalancer.Modes.Flows.ConnectionTable table, _) = TestEnvironment.BuildProcessor(capacity: 65_536);
        var frames = new List<(byte[] Frame, int Headroom)>();
        int txFrames = 0;
        foreach (GoldenFixture f in GoldenFixtures.All.Values)
        {
            foreach (byte[] p in f.Prelude)
            {
                frames.Add((p, 64));
                txFrames++;
            }

            frames.Add((f.Input, f.Headroom));
            txFrames += f.Verdict == Verdict.Tx ? 1 : 0;
        }

        byte[] buffer = new byte[4096];
        long transmitted = 0;
        long processed = 0;
        void RunAll(int count)
        {
            for (int i = 0; i < count; i++, processed++)
            {
                (byte[] frame, int headroom) = frames[i % frames.Count];
                frame.CopyTo(buffer, headroom);
                if (processor.Process(buffer, headroom, frame.Length, 1).Verdict == Verdict.Tx)
                {
                    transmitted++;
                }
            }
        }

        L4Service[] ipv6Modes = [.. TestEnvironment.BuildSnapshot().Services.Where(s => s.IsIpv6 && s.Port is >= TestEnvironment.NatTcpPort and <= TestEnvironment.DsrTcpPort)];
        long SentTo(L4Service service)
        {
            long sent = 0;
            for (int b = 0; b < service.Backends.Length; b++)
            {
                sent += processor.Counters.GetPackets(service.Index, b, FlowDirection.ToBackend);
            }

            return sent;
        }

        RunAll(frames.Count * 3);
        long[] warm = [.. ipv6Modes.Select(SentTo)];
        IReadOnlyList<long> rounds = Allocations.UntilSteady(() => RunAll(10_000));
        Assert.True(Allocations.Settled(rounds), Allocations.Describe(rounds));
        // Most Tx fixtures must still be sent when replayed out of order (their flow may have changed state in between).
        long expectedTx = processed * txFrames / frames.Count;
        Assert.True(transmitted > expectedTx * 8 / 10, $"only {transmitted} of {processed} packets were transmitted ({expectedTx} expected): the loop did not exercise the modes");
        Assert.True(processor.Counters.GetDrops(DropReason.Ipv6FragmentWithoutL4Header) > 0, "the IPv6 fixtures did not run");

        // Every IPv6 mode (NAT66, full NAT66, tunnel, DSR) forwarded packets in the measured rounds, through the IPv6 twin table.
        Assert.Equal(4, ipv6Modes.Length);
        Assert.True(table.HasIpv6 && table.Ipv6.Inserts > 0, "no IPv6 flow was tracked");
        for (int i = 0; i < ipv6Modes.Length; i++)
        {
            Assert.True(SentTo(ipv6Modes[i]) > warm[i], $"IPv6 {ipv6Modes[i].Mode.Name} port {ipv6Modes[i].Port} forwarded nothing in the measured rounds");
        }
    }
}
