using System.Runtime.CompilerServices;

namespace LoadBalancer.Modes.Flows;

/// <summary>One lock's worth of the connection table: two-choice 8-way buckets over preallocated arrays, forward and reverse entries side by side.</summary>
/// <remarks>
/// A flow's forward entry, its reverse (reply) entry and its full-NAT port all live in the same shard, so every
/// operation takes exactly one lock and an eviction can remove both entries and release the port at once.
/// </remarks>
internal sealed partial class ConnectionTableShard<TKey, TEntry>
    where TKey : struct, IFlowKey<TKey>
    where TEntry : struct, IFlowEntry<TKey, TEntry>
{
    internal const int BucketSize = 8;

    /// <summary>Buckets swept (under the lock) to free expired full-NAT ports before refusing a flow for lack of ports.</summary>
    private const int PortReclaimBuckets = 256;
    private const byte KindEmpty = 0;
    private const byte KindForward = 1;
    private const byte KindReverse = 2;

    private int _lock;
    private readonly TKey[] _keys;
    private readonly TEntry[] _entries;
    private readonly int _bucketCount;
    private readonly int _flowCapacity;
    private readonly long[] _timeoutTicks;
    private readonly TableFullBehavior _whenFull;
    private readonly FullNatPortPool _ports;
    private readonly int[] _flowCounters;
    private int _flowCount;
    private int _sweepCursor;

    internal long Evictions;
    internal long Refusals;
    internal long Expirations;
    internal long Inserts;
    internal long Restarts;

    internal ConnectionTableShard(int slots, int flowCapacity, long[] timeoutTicks, TableFullBehavior whenFull, FullNatPortPool ports, int[] flowCounters)
    {
        _flowCounters = flowCounters;
        _keys = new TKey[slots];
        _entries = new TEntry[slots];
        _bucketCount = slots / BucketSize;
        _flowCapacity = flowCapacity;
        _timeoutTicks = timeoutTicks;
        _whenFull = whenFull;
        _ports = ports;
    }

    internal int FlowCount => Volatile.Read(ref _flowCount);

    internal int SlotCount => _keys.Length;

    internal FullNatPortPool Ports => _ports;

    internal bool TryGetForward(in TKey key, ulong hash, long now, byte tcpFlags, out TEntry entry)
    {
        Enter();
        try
        {
            int slot = Find(key, hash, KindForward);
            if (slot >= 0)
            {
                ref TEntry e = ref _entries[slot];
                bool expired = IsExpired(ref e, now);
                if (!expired && !(e.State == FlowState.Closing && IsSynOnly(tcpFlags)))
                {
                    SetState(ref e, NextState(e.State, tcpFlags, forward: true));
                    e.LastSeen = now;
                    entry = e;
                    return true;
                }

                // Expired, or the client reuses a closed 4-tuple for a new connection: that connection is a new flow
                // and gets a backend like any other (the old one may be down or drained by now).
                RemoveFlow(slot);
                if (expired)
                {
                    Expirations++;
                }
                else
                {
                    Restarts++;
                }
            }
        }
        finally
        {
            Exit();
        }

        entry = default;
        return false;
    }

    internal bool TryGetReverse(in TKey replyKey, ulong hash, long now, byte tcpFlags, out TKey forwardKey, out TEntry entry)
    {
        Enter();
        try
        {
            int reverse = Find(replyKey, hash, KindReverse);
            if (reverse >= 0)
            {
                int forward = _entries[reverse].Link;
                ref TEntry e = ref _entries[forward];
                if (e.Kind == KindForward && e.Link == reverse)
                {
                    if (!IsExpired(ref e, now))
                    {
                        SetState(ref e, NextState(e.State, tcpFlags, forward: false));
                        e.LastSeen = now;
                        forwardKey = _keys[forward];
                        entry = e;
                        return true;
                    }

                    RemoveFlow(forward);
                    Expirations++;
                }
            }
        }
        finally
        {
            Exit();
        }

        forwardKey = default;
        entry = default;
        return false;
    }

    internal bool RemoveForward(in TKey key, ulong hash)
    {
        Enter();
        try
        {
            int slot = Find(key, hash, KindForward);
            if (slot < 0)
            {
                return false;
            }

            RemoveFlow(slot);
            Restarts++;
            return true;
        }
        finally
        {
            Exit();
        }
    }

    // Over 80 lines on purpose: one per-packet method keeps its locals in registers and its checks in wire order; a split
    // would have to be shown free by ForwardingBenchmarks first.
    internal InsertOutcome Insert(in TKey key, ulong hash, ref TEntry entry, ReverseKind reverseKind, long now)
    {
        Enter();
        try
        {
            int existing = Find(key, hash, KindForward);
            if (existing >= 0)
            {
                if (!IsExpired(ref _entries[existing], now))
                {
                    _entries[existing].LastSeen = now;
                    entry = _entries[existing];
                    return InsertOutcome.Existing;
                }

                RemoveFlow(existing);
                Expirations++;
            }

            if (_flowCount >= _flowCapacity && !TryEvictOldest(hash, now))
            {
                Refusals++;
                return InsertOutcome.Refused;
            }

            int slot = FreeSlot(hash, now);
            if (slot < 0 && TryEvictOldest(hash, now))
            {
                slot = FreeSlot(hash, now);
            }

            if (slot < 0)
            {
                Refusals++;
                return InsertOutcome.Refused;
            }

            if (reverseKind == ReverseKind.FullNat)
            {
                if (!entry.TryAllocateNatPort(_ports, out ushort port)
                    && (SweepLocked(now, PortReclaimBuckets) == 0 || !entry.TryAllocateNatPort(_ports, out port)))
                {
                    Refusals++;
                    return InsertOutcome.PortsExhausted;
                }

                entry.NatPort = port;
            }

            entry.Kind = KindForward;
            entry.Link = -1;
            entry.LastSeen = now;
            _keys[slot] = key;
            _entries[slot] = entry;
            _flowCount++;
            if (entry.State != FlowState.Closing)
            {
                Interlocked.Increment(ref _flowCounters[entry.FlowCounter]);
            }

            if (reverseKind != ReverseKind.None)
            {
                TKey reverseKey = entry.ReplyKey(key, reverseKind);
                ulong reverseHash = TKey.Hash(reverseKey);
                int clash = Find(reverseKey, reverseHash, KindReverse);
                if (clash >= 0)
                {
                    int owner = _entries[clash].Link;
                    if (!IsExpired(ref _entries[owner], now))
                    {
                        RemoveFlow(slot);
                        Refusals++;
                        return InsertOutcome.ReplyCollision;
                    }

                    RemoveFlow(owner);
                    Expirations++;
                }

                int reverseSlot = FreeSlot(reverseHash, now);
                if (reverseSlot < 0 && TryEvictOldest(reverseHash, now, protectedSlot: slot))
                {
                    reverseSlot = FreeSlot(reverseHash, now);
                }

                if (reverseSlot < 0)
                {
                    RemoveFlow(slot);
                    Refusals++;
                    return InsertOutcome.Refused;
                }

                _keys[reverseSlot] = reverseKey;
                ref TEntry reverse = ref _entries[reverseSlot];
                reverse = default;
                reverse.Kind = KindReverse;
                reverse.Link = slot;
                _entries[slot].Link = reverseSlot;
            }

            Inserts++;
            entry = _entries[slot];
            return InsertOutcome.Inserted;
        }
        finally
        {
            Exit();
        }
    }

    internal int Sweep(long now, int buckets)
    {
        Enter();
        try
        {
            return SweepLocked(now, buckets);
        }
        finally
        {
            Exit();
        }
    }

    private int SweepLocked(long now, int buckets)
    {
        int removed = 0;
        int bucketCount = _bucketCount;
        for (int b = 0; b < buckets && b < bucketCount; b++)
        {
            int start = _sweepCursor * BucketSize;
            _sweepCursor = _sweepCursor + 1 == _bucketCount ? 0 : _sweepCursor + 1;
            for (int i = start; i < start + BucketSize; i++)
            {
                if (_entries[i].Kind == KindForward && IsExpired(ref _entries[i], now))
                {
                    RemoveFlow(i);
                    Expirations++;
                    removed++;
                }
            }
        }

        return removed;
    }

    /// <summary>Takes the shard's spin lock: critical sections are a few dozen instructions and never block, so spinning beats a Monitor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Enter()
    {
        if (Interlocked.CompareExchange(ref _lock, 1, 0) != 0)
        {
            EnterContended();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterContended()
    {
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        while (Volatile.Read(ref _lock) != 0 || Interlocked.CompareExchange(ref _lock, 1, 0) != 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Exit() => Volatile.Write(ref _lock, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int BucketOf(ulong hash) => (int)(((hash >> 32) * (ulong)_bucketCount) >> 32);

    /// <summary>Second choice of bucket (two-choice hashing keeps buckets from overflowing long before the table is full).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SecondBucketOf(ulong hash)
    {
        int first = BucketOf(hash);
        int second = (int)(((hash & 0xFFFF_FFFF) * (ulong)_bucketCount) >> 32);
        return second != first ? second : (first + 1 == _bucketCount ? 0 : first + 1);
    }

    /// <summary>Moves a flow to its next state; a flow counts as active for its backend until it is closing (FIN or RST seen), like IPVS's active connections.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetState(ref TEntry e, FlowState next)
    {
        FlowState previous = e.State;
        if (previous != next)
        {
            if (next == FlowState.Closing)
            {
                Interlocked.Decrement(ref _flowCounters[e.FlowCounter]);
            }
            else if (previous == FlowState.Closing)
            {
                Interlocked.Increment(ref _flowCounters[e.FlowCounter]);
            }

            e.State = next;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSynOnly(byte tcpFlags) => (tcpFlags & 0x12) == 0x02;

    private static FlowState NextState(FlowState state, byte tcpFlags, bool forward)
    {
        const byte fin = 0x01, syn = 0x02, rst = 0x04, ack = 0x10;
        if (state == FlowState.Udp)
        {
            return state;
        }

        if ((tcpFlags & (fin | rst)) != 0)
        {
            return FlowState.Closing;
        }

        if (forward && state == FlowState.SynSeen && (tcpFlags & (syn | ack)) == ack)
        {
            return FlowState.Established;
        }

        return state;
    }
}
