using System.Runtime.CompilerServices;

namespace LoadBalancer.Modes.Flows;

/// <summary>Bounded, preallocated, sharded flow table with TCP/UDP timeouts and a reply index for NAT; safe for a few packet threads, no allocation per operation.</summary>
/// <remarks>
/// A flow's shard is picked from its client address and port (forward: source; NAT reply: destination), and a full-NAT
/// flow gets a pooled port from its shard's partition of the port space, so a full-NAT reply's destination port names
/// the shard. Each shard is a spin lock over two-choice 8-way buckets; capacity counts flows (enforced per shard, with
/// 5% slack for the uneven spread), and slots are 2.5 per flow so reverse entries fit at 80% load. Memory is about
/// 147 bytes per flow of capacity (16-byte key + 40-byte entry per slot).
/// </remarks>
public sealed class ConnectionTable
{
    /// <summary>Number of per-backend flow counters (slot 0 is the sink for flows counted against no backend).</summary>
    public const int FlowCounterSlots = ushort.MaxValue + 1;

    private readonly ConnectionTableShard<FlowKey, FlowEntry>[] _shards;
    private readonly int[] _flowCounters = new int[FlowCounterSlots];
    private readonly int _shardMask;
    private readonly Lock _ipv6Lock = new();
    private ConnectionTable6? _ipv6;

    /// <summary>Creates the table and preallocates all of its memory.</summary>
    public ConnectionTable(ConnectionTableOptions options, TimeProvider? timeProvider = null)
    {
        TimeProvider = timeProvider ?? TimeProvider.System;
        Options = options;
        _shards = ConnectionTableShards.Create<FlowKey, FlowEntry>(options, TimeProvider, _flowCounters);
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

    /// <summary>The IPv6 twin: same options, clock and per-backend flow counters; built (its memory preallocated) on first use, which the engine may force at start when IPv6 services exist.</summary>
    /// <remarks>The sums below (<see cref="Count"/>, <see cref="Evictions"/>, ...) and <see cref="Sweep"/> include it once it exists, so metrics and the sweep cover both families.</remarks>
    public ConnectionTable6 Ipv6 => Volatile.Read(ref _ipv6) ?? CreateIpv6();

    /// <summary>Whether <see cref="Ipv6"/> has been built.</summary>
    public bool HasIpv6 => Volatile.Read(ref _ipv6) is not null;

    /// <summary>Flows currently tracked, both families (racy sum, for metrics).</summary>
    public long Count
    {
        get
        {
            return SumOf(static s => s.FlowCount) + (Volatile.Read(ref _ipv6)?.Count ?? 0);
        }
    }

    /// <summary>Tracked flows per backend, indexed by <see cref="FlowEntry.FlowCounter"/>: raised when a flow is inserted, lowered when it starts closing (FIN or RST), expires or is evicted (exact: under the shard lock).</summary>
    /// <remarks>Updated with <see cref="Interlocked"/> once per flow (never per packet); selectors read it with <see cref="Volatile"/>. Do not write to it.</remarks>
    public int[] FlowCounters => _flowCounters;

    /// <summary>Tracked flows counted against one backend's counter slot.</summary>
    public int ActiveFlows(ushort counter) => Volatile.Read(ref _flowCounters[counter]);

    /// <summary>Flows evicted while still live to make room (racy sum).</summary>
    public long Evictions => SumOf(static s => s.Evictions) + (Volatile.Read(ref _ipv6)?.Evictions ?? 0);

    /// <summary>New flows refused: full, no slot, no port, or reply collision (racy sum).</summary>
    public long Refusals => SumOf(static s => s.Refusals) + (Volatile.Read(ref _ipv6)?.Refusals ?? 0);

    /// <summary>Flows removed after their idle timeout (racy sum).</summary>
    public long Expirations => SumOf(static s => s.Expirations) + (Volatile.Read(ref _ipv6)?.Expirations ?? 0);

    /// <summary>Flows inserted (racy sum).</summary>
    public long Inserts => SumOf(static s => s.Inserts) + (Volatile.Read(ref _ipv6)?.Inserts ?? 0);

    /// <summary>Tracked flows dropped because a SYN started a new connection on their 4-tuple (closed, or its backend takes no new flows), so that connection picks a backend afresh (racy sum).</summary>
    public long Restarts => SumOf(static s => s.Restarts) + (Volatile.Read(ref _ipv6)?.Restarts ?? 0);

    /// <summary>Finds a flow by its client-to-VIP key, refreshing its idle time and TCP state.</summary>
    /// <remarks>A SYN on a closing flow is a new connection on a reused 4-tuple: the old flow is removed and the lookup misses, so the caller selects a backend again.</remarks>
    public bool TryGetForward(in FlowKey key, long now, byte tcpFlags, out FlowEntry entry)
        => ShardOfClient(key.SourceAddress, key.SourcePort).TryGetForward(key, FlowHash.Hash(key), now, tcpFlags, out entry);

    /// <summary>Removes a flow by its client-to-VIP key (with its reply entry, full-NAT port and backend count), counted as a restart: the caller is about to track a new connection on the same 4-tuple.</summary>
    public bool TryRemoveForRestart(in FlowKey key)
        => ShardOfClient(key.SourceAddress, key.SourcePort).RemoveForward(key, FlowHash.Hash(key));

    /// <summary>Finds the flow a backend reply belongs to (NAT: backend -> client; full NAT: backend -> source address:pooled port).</summary>
    public bool TryGetReverse(in FlowKey replyKey, bool fullNat, long now, byte tcpFlags, out FlowKey forwardKey, out FlowEntry entry)
    {
        ConnectionTableShard<FlowKey, FlowEntry> shard = fullNat ? _shards[replyKey.DestinationPort & _shardMask] : ShardOfClient(replyKey.DestinationAddress, replyKey.DestinationPort);
        return shard.TryGetReverse(replyKey, FlowHash.Hash(replyKey), now, tcpFlags, out forwardKey, out entry);
    }

    /// <summary>Inserts a new flow (and its reply entry); for full NAT set <see cref="FlowEntry.NatAddress"/> first and the table fills the port.</summary>
    /// <remarks>On <see cref="InsertOutcome.Existing"/> the entry is replaced by the one already stored.</remarks>
    public InsertOutcome TryInsert(in FlowKey key, ref FlowEntry entry, ReverseKind reverseKind, long now)
        => ShardOfClient(key.SourceAddress, key.SourcePort).Insert(key, FlowHash.Hash(key), ref entry, reverseKind, now);

    /// <summary>Removes expired flows, visiting up to <paramref name="bucketsPerShard"/> buckets per shard (call periodically from the control plane).</summary>
    public int Sweep(long now, int bucketsPerShard = 1024)
    {
        int removed = Volatile.Read(ref _ipv6)?.Sweep(now, bucketsPerShard) ?? 0;
        return removed + ConnectionTableShards.Sweep(_shards, now, bucketsPerShard);
    }

    /// <summary>Free full-NAT ports for an address summed over shards (for tests and metrics).</summary>
    public long AvailableNatPorts(uint address) => ConnectionTableShards.AvailableNatPorts(_shards, address);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ConnectionTable6 CreateIpv6()
    {
        lock (_ipv6Lock)
        {
            if (_ipv6 is null)
            {
                Volatile.Write(ref _ipv6, new ConnectionTable6(Options, TimeProvider, _flowCounters));
            }

            return _ipv6;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ConnectionTableShard<FlowKey, FlowEntry> ShardOfClient(uint address, ushort port)
        => _shards[(int)FlowHash.Mix(((ulong)address << 16) | port) & _shardMask];

    private long SumOf(Func<ConnectionTableShard<FlowKey, FlowEntry>, long> read) => ConnectionTableShards.Sum(_shards, read);
}
