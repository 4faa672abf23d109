using System.Runtime.CompilerServices;

namespace LoadBalancer.Modes.Flows;

/// <summary>Slot search, reclaim and eviction inside the buckets (callers hold the shard lock).</summary>
internal sealed partial class ConnectionTableShard<TKey, TEntry>
    where TKey : struct, IFlowKey<TKey>
    where TEntry : struct, IFlowEntry<TKey, TEntry>
{
    private int Find(in TKey key, ulong hash, byte kind)
    {
        int slot = FindIn(BucketOf(hash) * BucketSize, key, kind);
        return slot >= 0 ? slot : FindIn(SecondBucketOf(hash) * BucketSize, key, kind);
    }

    private int FindIn(int start, in TKey key, byte kind)
    {
        for (int i = start; i < start + BucketSize; i++)
        {
            if (_keys[i].Equals(key) && _entries[i].Kind == kind)
            {
                return i;
            }
        }

        return -1;
    }

    private int FreeSlot(ulong hash, long now)
    {
        int first = BucketOf(hash) * BucketSize;
        int second = SecondBucketOf(hash) * BucketSize;

        // Power of two choices: take the emptier bucket, which keeps the fullest bucket near the average.
        int firstEmpty = EmptyIn(first, out int firstFree);
        int secondEmpty = EmptyIn(second, out int secondFree);
        int slot = secondFree > firstFree ? secondEmpty : firstEmpty;
        if (slot < 0)
        {
            slot = ReclaimExpiredIn(first, now);
        }

        if (slot < 0)
        {
            slot = ReclaimExpiredIn(second, now);
        }

        return slot;
    }

    private int EmptyIn(int start, out int free)
    {
        int slot = -1;
        free = 0;
        for (int i = start; i < start + BucketSize; i++)
        {
            if (_entries[i].Kind == KindEmpty)
            {
                free++;
                if (slot < 0)
                {
                    slot = i;
                }
            }
        }

        return slot;
    }

    private int ReclaimExpiredIn(int start, long now)
    {
        // Reclaim an expired flow that occupies this bucket (with its forward or its reverse entry).
        for (int i = start; i < start + BucketSize; i++)
        {
            if (_entries[i].Kind == KindEmpty)
            {
                return i;
            }

            int forward = _entries[i].Kind == KindForward ? i : _entries[i].Link;
            if (IsExpired(ref _entries[forward], now))
            {
                RemoveFlow(forward);
                Expirations++;
                return EmptyIn(start, out _);
            }
        }

        return -1;
    }

    private bool TryEvictOldest(ulong hash, long now, int protectedSlot = -1)
    {
        if (_whenFull == TableFullBehavior.RefuseNew)
        {
            return false;
        }

        int victim = -1;
        long oldest = long.MaxValue;
        OldestIn(BucketOf(hash) * BucketSize, protectedSlot, ref victim, ref oldest);
        OldestIn(SecondBucketOf(hash) * BucketSize, protectedSlot, ref victim, ref oldest);

        if (victim < 0)
        {
            return false;
        }

        bool expired = IsExpired(ref _entries[victim], now);
        RemoveFlow(victim);
        if (expired)
        {
            Expirations++;
        }
        else
        {
            Evictions++;
        }

        return true;
    }

    private void OldestIn(int start, int protectedSlot, ref int victim, ref long oldest)
    {
        for (int i = start; i < start + BucketSize; i++)
        {
            byte kind = _entries[i].Kind;
            if (kind == KindEmpty)
            {
                continue;
            }

            int forward = kind == KindForward ? i : _entries[i].Link;
            long age = EvictionKey(ref _entries[forward]);
            if (forward != protectedSlot && age < oldest)
            {
                oldest = age;
                victim = forward;
            }
        }
    }

    /// <summary>Orders eviction candidates: half-open and closing TCP flows first, then UDP, then established TCP, each oldest first.</summary>
    /// <remarks>
    /// Like the kernel conntrack's early drop of unreplied entries: a SYN flood fills the table with half-open flows, and
    /// evicting those instead of an established flow that paused for a moment keeps real connections alive.
    /// </remarks>
    private static long EvictionKey(ref TEntry e)
    {
        long rank = e.State switch
        {
            FlowState.Established => 2,
            FlowState.Udp => 1,
            _ => 0,
        };
        // LastSeen is a monotonic timestamp (far below 2^61); the rank goes in the top bits.
        return (rank << 61) | (e.LastSeen & ((1L << 61) - 1));
    }

    private void RemoveFlow(int forward)
    {
        ref TEntry e = ref _entries[forward];
        if (e.Link >= 0)
        {
            _entries[e.Link] = default;
            _keys[e.Link] = default;
        }

        if (e.NatPort != 0)
        {
            e.ReleaseNatPort(_ports);
        }

        if (e.State != FlowState.Closing)
        {
            Interlocked.Decrement(ref _flowCounters[e.FlowCounter]);
        }

        e = default;
        _keys[forward] = default;
        _flowCount--;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsExpired(ref TEntry e, long now) => now - e.LastSeen > _timeoutTicks[(int)e.State];
}
