namespace LoadBalancer.Modes.Selection;

/// <summary>The backend selectors <see cref="BackendSelectorFactory"/> builds, as parsed from their config names.</summary>
public enum BackendSelectorKind : byte
{
    /// <summary>"maglev": consistent hashing over the flow key.</summary>
    Maglev = 0,

    /// <summary>"wrr": smooth weighted round robin.</summary>
    WeightedRoundRobin = 1,

    /// <summary>"leastconn": fewest active flows, weighted.</summary>
    LeastConnections = 2,
}
