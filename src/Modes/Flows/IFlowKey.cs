namespace LoadBalancer.Modes.Flows;

/// <summary>What the connection table's shard needs of a flow key: equality and the seedless flow hash.</summary>
/// <remarks>Implemented by the structs <see cref="FlowKey"/> and <see cref="FlowKey6"/>; the JIT compiles the shard once per key type, so the calls inline as before.</remarks>
internal interface IFlowKey<TKey> : IEquatable<TKey>
    where TKey : struct, IFlowKey<TKey>
{
    /// <summary>The key's <see cref="FlowHash"/>.</summary>
    static abstract ulong Hash(in TKey key);
}
