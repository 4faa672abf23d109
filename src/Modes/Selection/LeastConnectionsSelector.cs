namespace LoadBalancer.Modes.Selection;

/// <summary>Picks the backend with the fewest active flows per unit of weight, read from a counter array the connection table keeps.</summary>
/// <remarks>
/// Loads are compared exactly as flows_a * w_b &lt; flows_b * w_a. The scan starts at <c>flowHash mod N</c> and only a strictly
/// lower load replaces the best so far, so ties go to a hash-chosen backend instead of always the first one.
/// </remarks>
public sealed class LeastConnectionsSelector : IBackendSelector
{
    /// <summary>The config name of this policy.</summary>
    public const string PolicyName = "leastconn";

    private readonly int[] _weights;
    private readonly int[] _activeFlows;
    private readonly int[] _counterOf;

    /// <summary>Creates a selector reading <paramref name="activeFlows"/>[i] as the live flow count of <paramref name="backends"/>[i].</summary>
    /// <exception cref="ArgumentException">A weight is negative or <paramref name="activeFlows"/> is shorter than the backend list.</exception>
    public LeastConnectionsSelector(IReadOnlyList<BackendWeight> backends, int[] activeFlows)
        : this(backends, activeFlows, null)
    {
    }

    /// <summary>Creates a selector reading <paramref name="activeFlows"/>[<paramref name="counterOf"/>[i]] as the live flow count of <paramref name="backends"/>[i] (the connection table's shared counter slots).</summary>
    /// <exception cref="ArgumentException">A weight is negative, or a counter index is missing or outside <paramref name="activeFlows"/>.</exception>
    public LeastConnectionsSelector(IReadOnlyList<BackendWeight> backends, int[] activeFlows, IReadOnlyList<int>? counterOf)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(activeFlows);
        _counterOf = new int[backends.Count];
        for (int i = 0; i < _counterOf.Length; i++)
        {
            int counter = counterOf is null ? i : i < counterOf.Count ? counterOf[i] : -1;
            if ((uint)counter >= (uint)activeFlows.Length)
            {
                throw new ArgumentException(
                    $"activeFlows has {activeFlows.Length} counters; backend {i} needs counter {counter}.", nameof(activeFlows));
            }

            _counterOf[i] = counter;
        }

        _weights = new int[backends.Count];
        for (int i = 0; i < _weights.Length; i++)
        {
            int w = backends[i].Weight;
            if (w < 0)
            {
                throw new ArgumentException($"Backend '{backends[i].Key}' has negative weight {w}.", nameof(backends));
            }

            _weights[i] = w;
        }

        _activeFlows = activeFlows;
    }

    /// <inheritdoc />
    public string Name => PolicyName;

    /// <inheritdoc />
    public int Select(ulong flowHash)
    {
        int[] weights = _weights;
        int n = weights.Length;
        if (n == 0)
        {
            return -1;
        }

        int i = (int)(flowHash % (uint)n);
        int best = -1;
        long bestFlows = 0;
        long bestWeight = 1;
        for (int k = 0; k < n; k++, i = i + 1 == n ? 0 : i + 1)
        {
            int w = weights[i];
            if (w == 0)
            {
                continue;
            }

            // The connection table updates counters concurrently; a torn or transiently negative value only skews one pick.
            long flows = Math.Max(0, Volatile.Read(ref _activeFlows[_counterOf[i]]));
            if (best < 0 || flows * bestWeight < bestFlows * w)
            {
                best = i;
                bestFlows = flows;
                bestWeight = w;
            }
        }

        return best;
    }
}
