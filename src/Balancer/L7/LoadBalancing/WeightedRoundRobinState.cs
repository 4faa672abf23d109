using LoadBalancer.Modes.Selection;

namespace LoadBalancer.Balancer.L7.LoadBalancing;

/// <summary>One cluster's weighted round robin: the destination set it was built for and the precomputed selector.</summary>
internal sealed class WeightedRoundRobinState
{
    /// <summary>Builds the selector for <paramref name="set"/>.</summary>
    public WeightedRoundRobinState(DestinationSetSnapshot set)
    {
        Set = set;
        var backends = new BackendWeight[set.Destinations.Length];
        long total = 0;
        foreach (int w in set.Weights)
        {
            total += w;
        }

        // Over a thousand destinations at the top weight would exceed the selector's cycle limit and fail every request;
        // scaling down keeps the proportions roughly and never turns a live destination into a drained one.
        long limit = WeightedRoundRobinSelector.MaxCycleLength;
        for (int i = 0; i < backends.Length; i++)
        {
            int w = set.Weights[i];
            if (total > limit && w > 0)
            {
                w = (int)Math.Max(1, w * (limit / 2) / total);
            }

            backends[i] = new BackendWeight(set.Destinations[i].DestinationId, w);
        }

        Selector = new WeightedRoundRobinSelector(backends);
    }

    /// <summary>The destinations and weights the selector was built from.</summary>
    public DestinationSetSnapshot Set { get; }

    /// <summary>The lock-free selector whose indices point into <see cref="DestinationSetSnapshot.Destinations"/>.</summary>
    public WeightedRoundRobinSelector Selector { get; }
}
