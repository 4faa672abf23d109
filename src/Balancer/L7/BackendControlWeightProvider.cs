using LoadBalancer.Balancer.Control;
using LoadBalancer.Balancer.L7.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7;

/// <summary>Run-time weights for the weighted L7 policies: the effective weight (admin override, slow-start ramp) from <see cref="BackendControl"/>.</summary>
internal sealed class BackendControlWeightProvider(BackendControl control) : IDestinationWeightProvider
{
    public int? GetWeight(string clusterId, DestinationState destination) =>
        control.TryGetView(clusterId, destination.DestinationId, out var view) ? view.EffectiveWeight : null;
}
