using System.Collections.Frozen;
using System.Collections.Immutable;

namespace LoadBalancer.Health;

/// <summary>An immutable picture of every pool's backends; the store swaps a new one in on each change.</summary>
public sealed class HealthSnapshot
{
    /// <summary>Creates a snapshot.</summary>
    public HealthSnapshot(long version, DateTimeOffset at, IReadOnlyDictionary<string, ImmutableArray<BackendView>> pools)
    {
        Version = version;
        At = at;
        Pools = pools.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The snapshot before any config: no pools.</summary>
    public static HealthSnapshot Empty { get; } = new(0, DateTimeOffset.MinValue, new Dictionary<string, ImmutableArray<BackendView>>());

    /// <summary>Increases by one with every published snapshot; lets a consumer ignore an older one.</summary>
    public long Version { get; }

    /// <summary>When it was built.</summary>
    public DateTimeOffset At { get; }

    /// <summary>Backends per pool name, in config order.</summary>
    public IReadOnlyDictionary<string, ImmutableArray<BackendView>> Pools { get; }

    /// <summary>The backends of <paramref name="poolName"/>, or empty when there is no such pool.</summary>
    public ImmutableArray<BackendView> GetPool(string poolName) =>
        Pools.TryGetValue(poolName, out var backends) ? backends : [];
}
