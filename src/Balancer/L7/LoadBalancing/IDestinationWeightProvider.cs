using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7.LoadBalancing;

/// <summary>Supplies run-time destination weights (admin drain, health-driven weights) that override the "Weight" metadata.</summary>
internal interface IDestinationWeightProvider
{
    /// <summary>Returns the weight to use for <paramref name="destination"/> now, or null to use its "Weight" metadata; 0 means no new requests.</summary>
    int? GetWeight(string clusterId, DestinationState destination);
}
