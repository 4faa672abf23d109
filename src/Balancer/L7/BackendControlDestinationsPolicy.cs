using LoadBalancer.Balancer.Control;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7;

/// <summary>YARP's available-destinations step driven by <see cref="BackendControl"/>: a destination takes new requests only when our health and admin state allow it (and YARP's passive health, when enabled, has not failed it).</summary>
internal sealed class BackendControlDestinationsPolicy(BackendControl control) : IAvailableDestinationsPolicy
{
    /// <summary>The policy name the balancer sets on every cluster.</summary>
    public const string PolicyName = "BalancerControl";

    public string Name => PolicyName;

    public IReadOnlyList<DestinationState> GetAvailalableDestinations(ClusterConfig config, IReadOnlyList<DestinationState> allDestinations)
    {
        var passive = config.HealthCheck?.Passive?.Enabled == true;
        var available = new List<DestinationState>(allDestinations.Count);
        foreach (var d in allDestinations)
        {
            var accepted = !control.TryGetView(config.ClusterId, d.DestinationId, out var view) || view.AcceptsNewFlows;
            if (accepted && !(passive && d.Health.Passive == DestinationHealth.Unhealthy))
            {
                available.Add(d);
            }
        }
        return available;
    }
}
