using System.Runtime.CompilerServices;

namespace LoadBalancer.Modes.Flows;

/// <summary>The IPv6 flows' connection table: bounded, preallocated and sharded exactly like <see cref="ConnectionTable"/> (same options, states, timeouts, eviction, port pools), keyed by <see cref="FlowKey6"/>.</summary>
/// <remarks>
/// Usually reached as <see cref="ConnectionTable.Ipv6"/>, which shares the IPv4 table's options, clock and per-backend flow
/// counters, so both families count against one backend slot and the IPv4 table's sums and sweep include it. Capacity
/// applies to each family on its own. Memory is about 2.5 x (48 + 64) = 280 bytes per flow of capacity.
/// </remarks>
public sealed class ConnectionTable6
{
    private readonly ConnectionTableShard<FlowKey6, FlowEntry6>[] _shards;
    private readonly int _shardMask;

    /// <summary>Creates a table with its own per-backend flow counters (tests; the engine uses <see cref="ConnectionTable.Ipv6"/>).</summary>
    public ConnectionTable6(ConnectionTableOptions options, TimeProvider? timeProvider = null)
        : this(options, timeProvider ?? TimeProvider.System, new int[ConnectionTable.FlowCounterSlots])
    {
    }

    internal ConnectionTable6(ConnectionTableOptions options, TimeProvider timeProvider, int[] flowCounters)
    {
        TimeProvider = timeProvider;
        Options = options;
        FlowCounters = flowCounters;
        _shards = ConnectionTableShards.Create<FlowKey6, FlowEntry6>(options, timeProvider, flowCounters);
        _shardMask = _shards.Length - 1;
    }

    /// <summary>The options the table was built with.</summary>
    public ConnectionTableOptions Options { get; }

    /// <summary>The clock all timestamps passed to the table come from.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Number of shards (each one lock and one port partition).</summary>
    public int ShardCount => _shards.Length;

    /// <summary>Total entry slots (forward + reverse) preallocated.</summary>
    public long SlotCount => (long)_shards.Length * _shards[0].SlotCount;

    /// <summary>Tracked flows per backend counter slot (shared with the IPv4 table when reached through <see cref="ConnectionTable.Ipv6"/>).</summary>
    public int[] FlowCounters { get; }

    /// <summary>Flows currently tracked (racy sum, for metrics).</summary>
    public long Count => SumOf(static s => s.FlowCount);

    /// <summary>Flows evicted while still live to make room (racy sum).</summary>
    public long Evictions => SumOf(static s => s.Evictions);

    /// <summary>New flows refused: full, no slot, no port, or reply collision (racy sum).</summary>
    public long Refusals => SumOf(static s => s.Refusals);

    /// <summary>Flows removed after their idle timeout (racy sum).</summary>
    public long Expirations => SumOf(static s => s.Expirations);

    /// <summary>Flows inserted (racy sum).</summary>
    public long Inserts => SumOf(static s => s.Inserts);

    /// <summary>Tracked flows dropped because a SYN started a new connection on their 4-tuple (racy sum).</summary>
    public long Restarts => SumOf(static s => s.Restarts);

    /// <summary>Tracked flows counted against one backend's counter slot.</summary>
    public int ActiveFlows(ushort counter) => Volatile.Read(ref FlowCounters[counter]);

    /// <summary>Finds a flow by its client-to-VIP key, refreshing its idle time and TCP state (a SYN on a closing flow misses, as in IPv4).</summary>
    public bool TryGetForward(in FlowKey6 key, long now, byte tcpFlags, out FlowEntry6 entry)
        => ShardOfClient(key.SourceAddress, key.SourcePort).TryGetForward(key, FlowHash.Hash(key), now, tcpFlags, out entry);

    /// <summary>Removes a flow by its client-to-VIP key, counted as a restart.</summary>
    public bool TryRemoveForRestart(in FlowKey6 key)
        => ShardOfClient(key.SourceAddress, key.SourcePort).RemoveForward(key, FlowHash.Hash(key));

    /// <summary>Finds the flow a backend reply belongs to (NAT66: backend -> client; full NAT66: backend -> source address:pooled port).</summary>
    public bool TryGetReverse(in FlowKey6 replyKey, bool fullNat, long now, byte tcpFlags, out FlowKey6 forwardKey, out FlowEntry6 entry)
    {
        ConnectionTableShard<FlowKey6, FlowEntry6> shard = fullNat ? _shards[replyKey.DestinationPort & _shardMask] : ShardOfClient(replyKey.DestinationAddress, replyKey.DestinationPort);
        return shard.TryGetReverse(replyKey, FlowHash.Hash(replyKey), now, tcpFlags, out forwardKey, out entry);
    }

    /// <summary>Inserts a new flow (and its reply entry); for full NAT66 set <see cref="FlowEntry6.NatAddress"/> first and the table fills the port.</summary>
    public InsertOutcome TryInsert(in FlowKey6 key, ref FlowEntry6 entry, ReverseKind reverseKind, long now)
        => ShardOfClient(key.SourceAddress, key.SourcePort).Insert(key, FlowHash.Hash(key), ref entry, reverseKind, now);

    /// <summary>Removes expired flows, visiting up to <paramref name="bucketsPerShard"/> buckets per shard.</summary>
    public int Sweep(long now, int bucketsPerShard = 1024)
    {
        return ConnectionTableShards.Sweep(_shards, now, bucketsPerShard);
    }

    /// <summary>Free full-NAT66 ports for an address summed over shards.</summary>
    public long AvailableNatPorts(UInt128 address) => ConnectionTableShards.AvailableNatPorts(_shards, address);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ConnectionTableShard<FlowKey6, FlowEntry6> ShardOfClient(UInt128 address, ushort port)
        => _shards[(int)FlowHash.Mix(((ulong)(address >> 64) * 0x9E3779B97F4A7C15UL) ^ ((ulong)address << 16) ^ port) & _shardMask];

    private long SumOf(Func<ConnectionTableShard<FlowKey6, FlowEntry6>, long> read) => ConnectionTableShards.Sum(_shards, read);
}
