using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7.LoadBalancing;

/// <summary>Reads destination weights: the "Weight" metadata, overridden by an <see cref="IDestinationWeightProvider"/>.</summary>
internal static class DestinationWeights
{
    /// <summary>The destination metadata key holding its weight.</summary>
    public const string MetadataKey = "Weight";

    /// <summary>The weight of a destination without a "Weight" entry.</summary>
    public const int DefaultWeight = 1;

    /// <summary>The largest weight accepted; it keeps a weighted round robin cycle short enough to precompute.</summary>
    public const int MaxWeight = 1000;

    /// <summary>Parses a "Weight" metadata value: an integer from 0 to <see cref="MaxWeight"/>; null or empty means the default.</summary>
    public static bool TryParse(string? value, out int weight)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            weight = DefaultWeight;
            return true;
        }

        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out weight)
            && weight <= MaxWeight)
        {
            return true;
        }

        weight = DefaultWeight;
        return false;
    }

    /// <summary>The weight configured in metadata; a bad value (which the config validator rejects) reads as the default.</summary>
    public static int FromMetadata(DestinationState destination)
    {
        IReadOnlyDictionary<string, string>? metadata = destination.Model?.Config.Metadata;
        if (metadata is null || !metadata.TryGetValue(MetadataKey, out string? value))
        {
            return DefaultWeight;
        }

        TryParse(value, out int weight);
        return weight;
    }

    /// <summary>The weight in force: the provider's override if it gives one (clamped to 0..<see cref="MaxWeight"/>), else <paramref name="metadataWeight"/>.</summary>
    public static int Effective(IDestinationWeightProvider provider, string clusterId, DestinationState destination, int metadataWeight)
    {
        int? runtime = provider.GetWeight(clusterId, destination);
        return runtime is int w ? Math.Clamp(w, 0, MaxWeight) : metadataWeight;
    }
}
