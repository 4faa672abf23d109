using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7.LoadBalancing;

/// <summary>The default weight provider: never overrides, so every destination's weight comes from its "Weight" metadata.</summary>
internal sealed class MetadataDestinationWeightProvider : IDestinationWeightProvider
{
    /// <summary>A shared instance for code paths without dependency injection.</summary>
    public static MetadataDestinationWeightProvider Instance { get; } = new();

    /// <inheritdoc />
    public int? GetWeight(string clusterId, DestinationState destination) => null;
}
