using LoadBalancer.Modes.Selection;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7.LoadBalancing;

/// <summary>One cluster's consistent-hash tables: a primary Maglev table over every configured destination and a fallback over the available ones.</summary>
/// <remarks>
/// A key whose primary owner is available (and not drained to weight 0) goes there, so a destination going down or coming
/// back moves only the keys it owns. Keys whose owner is unavailable go through the fallback table over the available set.
/// The primary uses the configured ("Weight" metadata) weights and changes only with the configuration; run-time weights
/// from the provider only drain (0) or weight the fallback.
/// </remarks>
internal sealed class ConsistentHashState
{
    private readonly ClusterModel? _clusterModel;
    private readonly IReadOnlyList<DestinationState>? _allSource;
    private readonly DestinationModel?[] _allSourceModels;
    private readonly DestinationState[] _universe;
    private readonly DestinationModel?[] _universeModels;
    private readonly MaglevTable _primary;
    private readonly int[] _primaryToAvailable;
    private readonly MaglevTable _fallback;

    private ConsistentHashState(
        ClusterModel? clusterModel,
        HashKey key,
        IReadOnlyList<DestinationState>? allSource,
        DestinationState[] universe,
        DestinationSetSnapshot available,
        MaglevTable primary,
        int[] primaryToAvailable,
        MaglevTable fallback)
    {
        _clusterModel = clusterModel;
        Key = key;
        _allSource = allSource;
        _allSourceModels = ModelsOf(allSource ?? []);
        _universe = universe;
        _universeModels = ModelsOf(universe);
        Available = available;
        _primary = primary;
        _primaryToAvailable = primaryToAvailable;
        _fallback = fallback;
    }

    /// <summary>Where the hashed value comes from.</summary>
    public HashKey Key { get; }

    /// <summary>The available destinations and their weights.</summary>
    public DestinationSetSnapshot Available { get; }

    /// <summary>Builds the tables, reusing <paramref name="previous"/>'s primary when the configured destinations did not change.</summary>
    public static ConsistentHashState Build(
        ClusterState cluster, IReadOnlyList<DestinationState> available, IDestinationWeightProvider provider, ConsistentHashState? previous)
    {
        ClusterModel? clusterModel = cluster.Model;
        DestinationSetSnapshot set = DestinationSetSnapshot.Capture(cluster.ClusterId, available, provider);
        IReadOnlyList<DestinationState>? allSource = cluster.DestinationsState?.AllDestinations;

        var positionInUniverse = new Dictionary<DestinationState, int>(ReferenceEqualityComparer.Instance);
        DestinationState[] universe = allSource?.ToArray() ?? [];
        Index(universe, positionInUniverse);

        // Outside YARP's pipeline the available list may hold destinations the cluster does not list; then the available
        // set is the only universe there is.
        if (set.Destinations.Any(d => !positionInUniverse.ContainsKey(d)))
        {
            universe = set.Destinations;
            Index(universe, positionInUniverse);
        }

        MaglevTable primary = previous is not null && previous.SameUniverse(universe)
            ? previous._primary
            : MaglevTable.Build(ConfiguredWeights(universe));

        int[] primaryToAvailable = new int[universe.Length];
        Array.Fill(primaryToAvailable, -1);
        var fallbackBackends = new BackendWeight[set.Destinations.Length];
        for (int i = 0; i < fallbackBackends.Length; i++)
        {
            fallbackBackends[i] = new BackendWeight(set.Destinations[i].DestinationId, set.Weights[i]);
            if (set.Weights[i] > 0)
            {
                primaryToAvailable[positionInUniverse[set.Destinations[i]]] = i;
            }
        }

        MaglevTable fallback = MaglevTable.Build(fallbackBackends);
        return new ConsistentHashState(
            clusterModel, ReadHashKey(clusterModel), allSource, universe, set, primary, primaryToAvailable, fallback);
    }

    /// <summary>True when this state still describes the cluster and the available list (reference compares only).</summary>
    public bool Matches(ClusterState cluster, IReadOnlyList<DestinationState> available, IDestinationWeightProvider provider)
    {
        if (!ReferenceEquals(cluster.Model, _clusterModel))
        {
            return false;
        }

        IReadOnlyList<DestinationState>? all = cluster.DestinationsState?.AllDestinations;
        if (!ReferenceEquals(all, _allSource))
        {
            return false;
        }

        if (all is not null)
        {
            if (all.Count != _allSourceModels.Length)
            {
                return false;
            }

            for (int i = 0; i < _allSourceModels.Length; i++)
            {
                if (!ReferenceEquals(all[i].Model, _allSourceModels[i]))
                {
                    return false;
                }
            }
        }

        return Available.Matches(cluster.ClusterId, available, provider);
    }

    /// <summary>Returns the available destination for a key hash, or null when none has weight &gt; 0.</summary>
    public DestinationState? Pick(ulong hash)
    {
        int owner = _primary.Lookup(hash);
        int index = owner >= 0 ? _primaryToAvailable[owner] : -1;
        if (index < 0)
        {
            index = _fallback.Lookup(hash);
        }

        return index < 0 ? null : Available.Destinations[index];
    }

    private bool SameUniverse(DestinationState[] universe)
    {
        if (universe.Length != _universe.Length)
        {
            return false;
        }

        for (int i = 0; i < universe.Length; i++)
        {
            if (!ReferenceEquals(universe[i], _universe[i]) || !ReferenceEquals(universe[i].Model, _universeModels[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static void Index(DestinationState[] destinations, Dictionary<DestinationState, int> positions)
    {
        positions.Clear();
        for (int i = 0; i < destinations.Length; i++)
        {
            positions.TryAdd(destinations[i], i);
        }
    }

    private static DestinationModel?[] ModelsOf(IReadOnlyList<DestinationState> destinations)
    {
        var models = new DestinationModel?[destinations.Count];
        for (int i = 0; i < models.Length; i++)
        {
            models[i] = destinations[i].Model;
        }

        return models;
    }

    private static BackendWeight[] ConfiguredWeights(DestinationState[] universe)
    {
        var backends = new BackendWeight[universe.Length];
        for (int i = 0; i < backends.Length; i++)
        {
            backends[i] = new BackendWeight(universe[i].DestinationId, DestinationWeights.FromMetadata(universe[i]));
        }

        return backends;
    }

    private static HashKey ReadHashKey(ClusterModel? model)
    {
        string? value = null;
        model?.Config.Metadata?.TryGetValue(ConsistentHashPolicy.HashKeyMetadataKey, out value);

        // The config validator rejects a bad HashKey; should one slip through, hashing the client IP is the safe default.
        return ConsistentHashPolicy.TryParseHashKey(value, out HashKey key, out _) ? key : HashKey.ClientIp;
    }
}
