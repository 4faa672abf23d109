using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7.LoadBalancing;

/// <summary>The weights of one list of available destinations, remembered so a policy can tell cheaply whether to rebuild.</summary>
internal sealed class DestinationSetSnapshot
{
    private DestinationSetSnapshot(DestinationState[] destinations, DestinationModel?[] models, int[] metadataWeights, int[] weights)
    {
        Destinations = destinations;
        Models = models;
        MetadataWeights = metadataWeights;
        Weights = weights;
    }

    /// <summary>The destinations, in the order the policy was given them.</summary>
    public DestinationState[] Destinations { get; }

    /// <summary>Each destination's model when captured; YARP swaps the model on a config reload, which may change the weight.</summary>
    public DestinationModel?[] Models { get; }

    /// <summary>Each destination's "Weight" metadata, parsed once.</summary>
    public int[] MetadataWeights { get; }

    /// <summary>Each destination's weight in force (provider override or metadata).</summary>
    public int[] Weights { get; }

    /// <summary>Captures the weights of <paramref name="available"/>.</summary>
    public static DestinationSetSnapshot Capture(string clusterId, IReadOnlyList<DestinationState> available, IDestinationWeightProvider provider)
    {
        int n = available.Count;
        var destinations = new DestinationState[n];
        var models = new DestinationModel?[n];
        var metadataWeights = new int[n];
        var weights = new int[n];
        for (int i = 0; i < n; i++)
        {
            DestinationState d = available[i];
            destinations[i] = d;
            models[i] = d.Model;
            metadataWeights[i] = DestinationWeights.FromMetadata(d);
            weights[i] = DestinationWeights.Effective(provider, clusterId, d, metadataWeights[i]);
        }

        return new DestinationSetSnapshot(destinations, models, metadataWeights, weights);
    }

    /// <summary>True when <paramref name="available"/> holds the same destinations, models and weights in the same order.</summary>
    /// <remarks>Reference compares plus one provider call per destination; no allocation, no metadata parsing.</remarks>
    public bool Matches(string clusterId, IReadOnlyList<DestinationState> available, IDestinationWeightProvider provider)
    {
        DestinationState[] destinations = Destinations;
        if (available.Count != destinations.Length)
        {
            return false;
        }

        for (int i = 0; i < destinations.Length; i++)
        {
            DestinationState d = available[i];
            if (!ReferenceEquals(d, destinations[i])
                || !ReferenceEquals(d.Model, Models[i])
                || DestinationWeights.Effective(provider, clusterId, d, MetadataWeights[i]) != Weights[i])
            {
                return false;
            }
        }

        return true;
    }
}
