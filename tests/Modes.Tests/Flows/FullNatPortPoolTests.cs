using LoadBalancer.Modes.Flows;

namespace LoadBalancer.Modes.Tests.Flows;

public class FullNatPortPoolTests
{
    [Fact]
    public void TryAllocate_WholePartition_UniquePortsInPartitionThenExhausted()
    {
        var pool = new FullNatPortPool(partition: 5, partitionCount: 64);
        var seen = new HashSet<ushort>();
        while (pool.TryAllocate(0x0A010001, out ushort port))
        {
            Assert.True(seen.Add(port), $"port {port} handed out twice");
            Assert.Equal(5, port & 63);
            Assert.True(port >= FullNatPortPool.FirstPort);
        }

        Assert.Equal(pool.PortsPerAddress, seen.Count);
        Assert.Equal(0, pool.Available(0x0A010001));
        Assert.Equal(pool.PortsPerAddress, pool.Available(0x0A010002));
    }

    [Fact]
    public void Release_DoubleRelease_DoesNotDuplicatePort()
    {
        var pool = new FullNatPortPool();
        Assert.True(pool.TryAllocate(1, out ushort port));
        int available = pool.Available(1);
        pool.Release(1, port);
        pool.Release(1, port);
        Assert.Equal(available + 1, pool.Available(1));
    }

    [Fact]
    public void TryAllocate_AfterRelease_ReusesPortLast()
    {
        var pool = new FullNatPortPool();
        Assert.True(pool.TryAllocate(1, out ushort first));
        pool.Release(1, first);
        Assert.True(pool.TryAllocate(1, out ushort second));
        Assert.NotEqual(first, second);
    }
}
