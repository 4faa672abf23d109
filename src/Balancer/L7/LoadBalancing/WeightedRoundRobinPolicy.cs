using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7.LoadBalancing;

/// <summary>YARP policy "WeightedRoundRobin": smooth weighted round robin over the available destinations, weight from metadata "Weight".</summary>
/// <remarks>
/// The nginx-style cycle is precomputed per cluster (see <see cref="Modes.Selection.WeightedRoundRobinSelector"/>) and
/// picked with one interlocked increment. It is rebuilt when the available set, a destination's model or a weight changes,
/// which the policy checks on each pick with reference compares. Weight 0 means no new requests; if every available
/// destination has weight 0 no destination is picked (YARP answers 503).
/// </remarks>
internal sealed class WeightedRoundRobinPolicy : ILoadBalancingPolicy
{
    /// <summary>The policy name used in a cluster's LoadBalancingPolicy.</summary>
    public const string PolicyName = "WeightedRoundRobin";

    // Keyed by the cluster object so a removed cluster's state goes with it.
    private readonly ConditionalWeakTable<ClusterState, ClusterStateBox<WeightedRoundRobinState>> _states = new();
    private readonly IDestinationWeightProvider _weights;

    /// <summary>Creates the policy; <paramref name="weights"/> supplies run-time weight overrides (none by default).</summary>
    public WeightedRoundRobinPolicy(IDestinationWeightProvider? weights = null)
    {
        _weights = weights ?? MetadataDestinationWeightProvider.Instance;
    }

    /// <inheritdoc />
    public string Name => PolicyName;

    /// <summary>Parses a destination "Weight" metadata value: an integer 0..1000, null or empty meaning 1; for the config validator.</summary>
    public static bool TryParseWeight(string? value, out int weight) => DestinationWeights.TryParse(value, out weight);

    /// <inheritdoc />
    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        if (availableDestinations.Count == 0)
        {
            return null;
        }

        ClusterStateBox<WeightedRoundRobinState> box = _states.GetValue(cluster, static _ => new ClusterStateBox<WeightedRoundRobinState>());
        WeightedRoundRobinState? state = box.Current;
        if (state is null || !state.Set.Matches(cluster.ClusterId, availableDestinations, _weights))
        {
            // Two threads may rebuild at once: the first published is the one both go on with, since each state counts its
            // own picks (a second cycle next to the first would skew the totals the weights promise).
            state = box.Publish(state, new WeightedRoundRobinState(DestinationSetSnapshot.Capture(cluster.ClusterId, availableDestinations, _weights)));
        }

        int index = state.Selector.Select(0);
        return index < 0 ? null : state.Set.Destinations[index];
    }
}
