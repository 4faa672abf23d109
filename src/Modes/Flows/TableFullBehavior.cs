namespace LoadBalancer.Modes.Flows;

/// <summary>What the connection table does with a new flow when it (or the flow's bucket) is full.</summary>
public enum TableFullBehavior : byte
{
    /// <summary>Evict the flow that has been idle longest among the candidates and insert the new one.</summary>
    EvictOldestIdle = 0,

    /// <summary>Refuse the new flow (the packet is dropped as TableFull).</summary>
    RefuseNew = 1,
}
