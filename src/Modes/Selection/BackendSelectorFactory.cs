namespace LoadBalancer.Modes.Selection;

/// <summary>Creates a backend selector from its config name.</summary>
public static class BackendSelectorFactory
{
    /// <summary>The selector names <see cref="Create(string, IReadOnlyList{BackendWeight}, int[])"/> accepts (compared ignoring case), in <see cref="BackendSelectorKind"/> order.</summary>
    public static IReadOnlyList<string> KnownNames { get; } =
        [MaglevSelector.PolicyName, WeightedRoundRobinSelector.PolicyName, LeastConnectionsSelector.PolicyName];

    /// <summary>Returns true when <paramref name="name"/> names a selector the factory can build.</summary>
    public static bool IsKnown(string? name)
    {
        foreach (string known in KnownNames)
        {
            if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses a selector name (case-insensitive); false for an unknown one.</summary>
    public static bool TryParse(string? name, out BackendSelectorKind kind)
    {
        for (int i = 0; i < KnownNames.Count; i++)
        {
            if (string.Equals(KnownNames[i], name, StringComparison.OrdinalIgnoreCase))
            {
                kind = (BackendSelectorKind)i;
                return true;
            }
        }

        kind = BackendSelectorKind.Maglev;
        return false;
    }

    /// <summary>Builds the selector of kind <paramref name="kind"/> over <paramref name="backends"/>; leastconn also needs <paramref name="activeFlows"/>.</summary>
    /// <exception cref="ArgumentException">leastconn was asked for without an <paramref name="activeFlows"/> array.</exception>
    public static IBackendSelector Create(BackendSelectorKind kind, IReadOnlyList<BackendWeight> backends, int[]? activeFlows = null, IReadOnlyList<int>? counterOf = null)
        => Create(KnownNames[(int)kind], backends, activeFlows, counterOf);

    /// <summary>Builds the selector named <paramref name="name"/> over <paramref name="backends"/>; "leastconn" also needs <paramref name="activeFlows"/> (indexed by <paramref name="counterOf"/>[i] when given, else by i).</summary>
    /// <exception cref="ArgumentException">The name is unknown, or "leastconn" was asked for without an <paramref name="activeFlows"/> array.</exception>
    public static IBackendSelector Create(string name, IReadOnlyList<BackendWeight> backends, int[]? activeFlows = null, IReadOnlyList<int>? counterOf = null)
    {
        ArgumentNullException.ThrowIfNull(backends);
        if (string.Equals(name, MaglevSelector.PolicyName, StringComparison.OrdinalIgnoreCase))
        {
            return new MaglevSelector(backends);
        }

        if (string.Equals(name, WeightedRoundRobinSelector.PolicyName, StringComparison.OrdinalIgnoreCase))
        {
            return new WeightedRoundRobinSelector(backends);
        }

        if (string.Equals(name, LeastConnectionsSelector.PolicyName, StringComparison.OrdinalIgnoreCase))
        {
            if (activeFlows is null)
            {
                throw new ArgumentException(
                    "Selector 'leastconn' needs the connection table's activeFlows counters.", nameof(activeFlows));
            }

            return new LeastConnectionsSelector(backends, activeFlows, counterOf);
        }

        throw new ArgumentException(
            $"Unknown backend selector '{name}'. Known selectors: {string.Join(", ", KnownNames)}.", nameof(name));
    }
}
