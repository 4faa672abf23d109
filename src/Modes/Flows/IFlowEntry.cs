namespace LoadBalancer.Modes.Flows;

/// <summary>What the connection table's shard reads and writes in a flow entry, whatever the address family.</summary>
/// <remarks>
/// Implemented explicitly by the structs <see cref="FlowEntry"/> and <see cref="FlowEntry6"/> over their own fields, so
/// each family keeps its slot size (IPv4 16 + 40 bytes) and the JIT, compiling the shard once per entry type, inlines
/// every member into a plain field access.
/// </remarks>
internal interface IFlowEntry<TKey, TEntry>
    where TKey : struct, IFlowKey<TKey>
    where TEntry : struct, IFlowEntry<TKey, TEntry>
{
    /// <summary>TimeProvider timestamp of the last packet in either direction.</summary>
    long LastSeen { get; set; }

    /// <summary>Forward entry: slot of its reverse entry or -1; reverse entry: slot of its forward entry.</summary>
    int Link { get; set; }

    /// <summary>0 empty, 1 forward, 2 reverse.</summary>
    byte Kind { get; set; }

    /// <summary>Connection-tracking state.</summary>
    FlowState State { get; set; }

    /// <summary>Slot of the per-backend flow counter.</summary>
    ushort FlowCounter { get; }

    /// <summary>Index of the flow's backend in its service's backend list when the flow was inserted.</summary>
    ushort BackendIndex { get; }

    /// <summary>Full NAT: the pooled source port (0 otherwise).</summary>
    ushort NatPort { get; set; }

    /// <summary>Takes a port for this entry's full-NAT source address from <paramref name="ports"/>.</summary>
    bool TryAllocateNatPort(FullNatPortPool ports, out ushort port);

    /// <summary>Gives this entry's full-NAT port back to <paramref name="ports"/>.</summary>
    void ReleaseNatPort(FullNatPortPool ports);

    /// <summary>The key of the backend's replies: to the client (NAT) or to the full-NAT source address and pooled port.</summary>
    TKey ReplyKey(in TKey key, ReverseKind kind);
}
