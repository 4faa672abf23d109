namespace LoadBalancer.Modes.Selection;

/// <summary>An immutable Maglev lookup table (Eisenbud et al., "Maglev", NSDI 2016, section 3.4) mapping a flow hash to a backend.</summary>
/// <remarks>
/// Each backend's preference list is the permutation <c>(offset + j * skip) mod M</c>, with offset and skip taken from
/// <see cref="StableHash"/> of its key under two seeds; backends take turns claiming their next free preferred slot.
/// Weighted variant: backend i is given a quota of M * w_i / sum(w) slots (largest remainder, so quotas sum to M and each
/// is within one slot of its exact share) and its turns are spread evenly over the fill in rounds, katran-style, with the
/// quota as the weight. With equal weights this is the paper's round robin. Backends are ordered by key (ordinal), never by
/// list position, so two balancers given the same backends in any order build the same table.
/// </remarks>
public sealed class MaglevTable
{
    /// <summary>The table size the Maglev paper and katran use: a prime well above 100 times a typical backend count.</summary>
    public const int DefaultSize = 65537;

    // Distinct seeds make offset and skip independent functions of the key ("MGLV-OFS" / "MGLV-SKP" in ASCII).
    private const ulong OffsetSeed = 0x4D474C562D4F4653UL;
    private const ulong SkipSeed = 0x4D474C562D534B50UL;

    // Slot -> index into the list given to Build; empty when no backend has weight > 0.
    private readonly int[] _entries;

    private MaglevTable(int size, int[] entries)
    {
        Size = size;
        _entries = entries;
    }

    /// <summary>The number of slots (a prime).</summary>
    public int Size { get; }

    /// <summary>The slot owners (indices into the list given to <see cref="Build"/>); empty when no backend has weight &gt; 0.</summary>
    internal ReadOnlySpan<int> Entries => _entries;

    /// <summary>Builds the table for <paramref name="backends"/>; a backend with weight 0 owns no slot.</summary>
    /// <exception cref="ArgumentException">The size is not prime, a weight is negative, or a key is null or repeated.</exception>
    public static MaglevTable Build(IReadOnlyList<BackendWeight> backends, int size = DefaultSize)
    {
        ArgumentNullException.ThrowIfNull(backends);
        if (!IsPrime(size))
        {
            throw new ArgumentException($"Maglev table size must be a prime number (e.g. {DefaultSize}); got {size}.", nameof(size));
        }

        int[] active = CollectActive(backends);
        int n = active.Length;
        if (n == 0)
        {
            return new MaglevTable(size, []);
        }

        // Order by key so that neither the offsets nor the turn order depend on where a backend sits in the list.
        string[] keys = new string[n];
        for (int i = 0; i < n; i++)
        {
            keys[i] = backends[active[i]].Key;
        }

        Array.Sort(keys, active, StringComparer.Ordinal);

        int[] quota = Quotas(backends, active, size);
        int[] position = new int[n];
        int[] skip = new int[n];
        for (int i = 0; i < n; i++)
        {
            position[i] = (int)(StableHash.Hash(keys[i], OffsetSeed) % (ulong)size);
            skip[i] = size == 2 ? 1 : (int)(StableHash.Hash(keys[i], SkipSeed) % (ulong)(size - 1)) + 1;
        }

        int[] entries = new int[size];
        Array.Fill(entries, -1);
        Fill(entries, active, quota, position, skip);
        return new MaglevTable(size, entries);
    }

    /// <summary>Returns the index (into the list given to <see cref="Build"/>) of the backend owning this hash's slot, or -1 if none has weight &gt; 0.</summary>
    public int Lookup(ulong hash)
    {
        int[] entries = _entries;
        if (entries.Length == 0)
        {
            return -1;
        }

        return entries[(int)(hash % (ulong)entries.Length)];
    }

    /// <summary>Returns true when <paramref name="value"/> is a prime number.</summary>
    public static bool IsPrime(int value)
    {
        if (value < 2)
        {
            return false;
        }

        if (value % 2 == 0)
        {
            return value == 2;
        }

        for (int d = 3; (long)d * d <= value; d += 2)
        {
            if (value % d == 0)
            {
                return false;
            }
        }

        return true;
    }

    private static int[] CollectActive(IReadOnlyList<BackendWeight> backends)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var active = new List<int>(backends.Count);
        for (int i = 0; i < backends.Count; i++)
        {
            BackendWeight b = backends[i];
            if (b.Key is null)
            {
                throw new ArgumentException($"Backend {i} has no key.", nameof(backends));
            }

            if (b.Weight < 0)
            {
                throw new ArgumentException($"Backend '{b.Key}' has negative weight {b.Weight}.", nameof(backends));
            }

            // Two entries with one key would share a permutation and the tie could only be broken by list position.
            if (!seen.Add(b.Key))
            {
                throw new ArgumentException($"Backend key '{b.Key}' appears more than once.", nameof(backends));
            }

            if (b.Weight > 0)
            {
                active.Add(i);
            }
        }

        return active.ToArray();
    }

    // Largest-remainder apportionment of the slots; remainder ties go to the lower key so the result is order-free.
    private static int[] Quotas(IReadOnlyList<BackendWeight> backends, int[] active, int size)
    {
        int n = active.Length;
        long total = 0;
        for (int i = 0; i < n; i++)
        {
            total += backends[active[i]].Weight;
        }

        int[] quota = new int[n];
        long[] remainder = new long[n];
        long assigned = 0;
        for (int i = 0; i < n; i++)
        {
            long share = (long)size * backends[active[i]].Weight;
            quota[i] = (int)(share / total);
            remainder[i] = share % total;
            assigned += quota[i];
        }

        int leftover = (int)(size - assigned);
        if (leftover > 0)
        {
            int[] byRemainder = new int[n];
            for (int i = 0; i < n; i++)
            {
                byRemainder[i] = i;
            }

            Array.Sort(byRemainder, (a, b) => remainder[a] != remainder[b] ? remainder[b].CompareTo(remainder[a]) : a.CompareTo(b));
            for (int i = 0; i < leftover; i++)
            {
                quota[byRemainder[i]]++;
            }
        }

        return quota;
    }

    // Rounds of turns: in each of maxQuota rounds backend i gains quota_i credit and takes a turn whenever its credit reaches
    // maxQuota. Starting credit at maxQuota - quota_i gives everyone a turn in round one (the paper's round robin when weights
    // are equal) and exactly quota_i turns after the last round, so the M turns fill the M slots with no heap and no search.
    private static void Fill(int[] entries, int[] active, int[] quota, int[] position, int[] skip)
    {
        int size = entries.Length;
        int n = active.Length;
        int maxQuota = 0;
        for (int i = 0; i < n; i++)
        {
            maxQuota = Math.Max(maxQuota, quota[i]);
        }

        long[] credit = new long[n];
        for (int i = 0; i < n; i++)
        {
            credit[i] = maxQuota - quota[i];
        }

        for (int round = 0; round < maxQuota; round++)
        {
            for (int b = 0; b < n; b++)
            {
                int q = quota[b];
                if (q == 0)
                {
                    continue;
                }

                credit[b] += q;
                if (credit[b] < maxQuota)
                {
                    continue;
                }

                credit[b] -= maxQuota;
                int p = position[b];
                int s = skip[b];
                while (entries[p] >= 0)
                {
                    p += s;
                    if (p >= size)
                    {
                        p -= size;
                    }
                }

                entries[p] = active[b];
                p += s;
                position[b] = p >= size ? p - size : p;
            }
        }
    }
}
