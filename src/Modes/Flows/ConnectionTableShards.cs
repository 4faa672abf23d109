using System.Numerics;

namespace LoadBalancer.Modes.Flows;

/// <summary>Builds and visits the shard array of a connection table, the same for both address families.</summary>
internal static class ConnectionTableShards
{
    private const int MaxShards = 64;

    /// <summary>Sizes and preallocates the shards for <paramref name="options"/>: one shard per 4096 flows of capacity (a power of two up to 64), each with its own lock and full-NAT port partition.</summary>
    internal static ConnectionTableShard<TKey, TEntry>[] Create<TKey, TEntry>(ConnectionTableOptions options, TimeProvider timeProvider, int[] flowCounters)
        where TKey : struct, IFlowKey<TKey>
        where TEntry : struct, IFlowEntry<TKey, TEntry>
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Capacity, 1);
        int shards = (int)Math.Clamp(BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, options.Capacity / 4096)), 1, MaxShards);
        if (shards > options.Capacity / 4096 && shards > 1)
        {
            shards /= 2;
        }

        // Flows spread binomially over shards: 5% slack per shard keeps a shard from filling long before the table does.
        int flowsPerShard = (int)Math.Ceiling(options.Capacity / (double)shards * (shards > 1 ? 1.05 : 1.0)) + (shards > 1 ? 16 : 0);

        // Up to two entries per flow (forward + reply) at 80% slot load, so two-choice buckets rarely overflow.
        int bucketsPerShard = Math.Max(2, (int)Math.Ceiling(flowsPerShard * 2.5 / ConnectionTableShard<TKey, TEntry>.BucketSize));
        int slotsPerShard = bucketsPerShard * ConnectionTableShard<TKey, TEntry>.BucketSize;
        long frequency = timeProvider.TimestampFrequency;
        long[] timeouts =
        [
            ToTicks(options.SynSeenTimeout, frequency),
            ToTicks(options.EstablishedTimeout, frequency),
            ToTicks(options.ClosingTimeout, frequency),
            ToTicks(options.UdpTimeout, frequency),
        ];
        var result = new ConnectionTableShard<TKey, TEntry>[shards];
        for (int i = 0; i < shards; i++)
        {
            result[i] = new ConnectionTableShard<TKey, TEntry>(slotsPerShard, flowsPerShard, timeouts, options.WhenFull, new FullNatPortPool(i, shards), flowCounters);
        }

        return result;
    }

    /// <summary>Sums one counter over the shards (racy, for metrics).</summary>
    internal static long Sum<TKey, TEntry>(ConnectionTableShard<TKey, TEntry>[] shards, Func<ConnectionTableShard<TKey, TEntry>, long> read)
        where TKey : struct, IFlowKey<TKey>
        where TEntry : struct, IFlowEntry<TKey, TEntry>
    {
        long sum = 0;
        foreach (ConnectionTableShard<TKey, TEntry> shard in shards)
        {
            sum += read(shard);
        }

        return sum;
    }

    /// <summary>Removes expired flows, up to <paramref name="bucketsPerShard"/> buckets per shard.</summary>
    internal static int Sweep<TKey, TEntry>(ConnectionTableShard<TKey, TEntry>[] shards, long now, int bucketsPerShard)
        where TKey : struct, IFlowKey<TKey>
        where TEntry : struct, IFlowEntry<TKey, TEntry>
    {
        int removed = 0;
        foreach (ConnectionTableShard<TKey, TEntry> shard in shards)
        {
            removed += shard.Sweep(now, bucketsPerShard);
        }

        return removed;
    }

    /// <summary>Free full-NAT ports for an address summed over the shards' partitions.</summary>
    internal static long AvailableNatPorts<TKey, TEntry>(ConnectionTableShard<TKey, TEntry>[] shards, UInt128 address)
        where TKey : struct, IFlowKey<TKey>
        where TEntry : struct, IFlowEntry<TKey, TEntry>
    {
        long sum = 0;
        foreach (ConnectionTableShard<TKey, TEntry> shard in shards)
        {
            sum += shard.Ports.Available(address);
        }

        return sum;
    }

    private static long ToTicks(TimeSpan timeout, long frequency) => (long)(timeout.TotalSeconds * frequency);
}
