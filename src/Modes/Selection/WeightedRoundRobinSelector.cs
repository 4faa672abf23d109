namespace LoadBalancer.Modes.Selection;

/// <summary>Smooth weighted round robin (nginx's algorithm) replayed from a precomputed cycle, so picking needs no lock.</summary>
/// <remarks>
/// The cycle is generated once with nginx's rule (every backend adds its weight to its running score; the highest score
/// wins and pays back the total), after dividing the weights by their greatest common divisor. Each cycle therefore holds
/// backend i exactly w_i / gcd times, interleaved smoothly. Picking is one <see cref="Interlocked.Increment(ref long)"/>
/// and an array read. The flow hash is ignored.
/// </remarks>
public sealed class WeightedRoundRobinSelector : IBackendSelector
{
    /// <summary>The config name of this policy.</summary>
    public const string PolicyName = "wrr";

    /// <summary>The longest cycle (sum of weights divided by their gcd) this selector accepts.</summary>
    public const int MaxCycleLength = 1 << 20;

    private readonly int[] _sequence;

    // Starts at -1 so that the first pick is the first entry of the cycle.
    private long _counter = -1;

    /// <summary>Precomputes the cycle for <paramref name="backends"/>; a backend with weight 0 is never picked.</summary>
    /// <exception cref="ArgumentException">A weight is negative or the cycle would be longer than <see cref="MaxCycleLength"/>.</exception>
    public WeightedRoundRobinSelector(IReadOnlyList<BackendWeight> backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        _sequence = BuildCycle(backends);
    }

    /// <inheritdoc />
    public string Name => PolicyName;

    /// <summary>The number of picks after which the sequence repeats (sum of the weights divided by their gcd).</summary>
    public int CycleLength => _sequence.Length;

    /// <summary>The precomputed cycle of backend indices.</summary>
    internal ReadOnlySpan<int> Cycle => _sequence;

    /// <inheritdoc />
    public int Select(ulong flowHash)
    {
        int[] sequence = _sequence;
        if (sequence.Length == 0)
        {
            return -1;
        }

        ulong n = (ulong)Interlocked.Increment(ref _counter);
        return sequence[(int)(n % (ulong)sequence.Length)];
    }

    private static int[] BuildCycle(IReadOnlyList<BackendWeight> backends)
    {
        int n = backends.Count;
        int gcd = 0;
        for (int i = 0; i < n; i++)
        {
            int w = backends[i].Weight;
            if (w < 0)
            {
                throw new ArgumentException($"Backend '{backends[i].Key}' has negative weight {w}.", nameof(backends));
            }

            gcd = Gcd(gcd, w);
        }

        if (gcd == 0)
        {
            return [];
        }

        long cycle = 0;
        int[] weight = new int[n];
        for (int i = 0; i < n; i++)
        {
            weight[i] = backends[i].Weight / gcd;
            cycle += weight[i];
        }

        if (cycle > MaxCycleLength)
        {
            throw new ArgumentException(
                $"Weighted round robin cycle would be {cycle} picks long (sum of weights / their gcd); the limit is {MaxCycleLength}. Use smaller weights.",
                nameof(backends));
        }

        int[] sequence = new int[cycle];
        long[] current = new long[n];
        for (int pick = 0; pick < sequence.Length; pick++)
        {
            int best = -1;
            for (int i = 0; i < n; i++)
            {
                if (weight[i] == 0)
                {
                    continue;
                }

                current[i] += weight[i];
                if (best < 0 || current[i] > current[best])
                {
                    best = i;
                }
            }

            current[best] -= cycle;
            sequence[pick] = best;
        }

        return sequence;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
