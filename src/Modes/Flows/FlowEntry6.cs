namespace LoadBalancer.Modes.Flows;

/// <summary>What the IPv6 table remembers about a flow (a forward entry) or points back to it (a reverse entry for NAT replies).</summary>
public struct FlowEntry6 : IFlowEntry<FlowKey6, FlowEntry6>
{
    /// <summary>TimeProvider timestamp of the last packet in either direction.</summary>
    public long LastSeen;

    /// <summary>The client's MAC from its original frame, used as destination of replies (NAT modes).</summary>
    public ulong ClientMac;

    /// <summary>Backend IPv6 address, host numeric order.</summary>
    public UInt128 BackendAddress;

    /// <summary>Full NAT66: the balancer source address the flow was rewritten to (0 otherwise).</summary>
    public UInt128 NatAddress;

    /// <summary>Backend port.</summary>
    public ushort BackendPort;

    /// <summary>Full NAT: the pooled source port (0 otherwise).</summary>
    public ushort NatPort;

    /// <summary>Index of the backend in its service's backend array when selected (checked against the address on use).</summary>
    public ushort BackendIndex;

    /// <summary>Interface the client's frames arrived on; replies leave through it.</summary>
    public ushort ClientInterfaceIndex;

    /// <summary>Forward entry: slot of its reverse entry or -1; reverse entry: slot of its forward entry.</summary>
    internal int Link;

    /// <summary>0 empty, 1 forward, 2 reverse.</summary>
    internal byte Kind;

    /// <summary>Connection-tracking state.</summary>
    public FlowState State;

    /// <summary>Slot in the table's <see cref="ConnectionTable.FlowCounters"/> (shared with the IPv4 table) counting this flow's backend (0: not counted per backend); last, where it fills padding.</summary>
    public ushort FlowCounter;

    long IFlowEntry<FlowKey6, FlowEntry6>.LastSeen { readonly get => LastSeen; set => LastSeen = value; }

    int IFlowEntry<FlowKey6, FlowEntry6>.Link { readonly get => Link; set => Link = value; }

    byte IFlowEntry<FlowKey6, FlowEntry6>.Kind { readonly get => Kind; set => Kind = value; }

    FlowState IFlowEntry<FlowKey6, FlowEntry6>.State { readonly get => State; set => State = value; }

    readonly ushort IFlowEntry<FlowKey6, FlowEntry6>.FlowCounter => FlowCounter;

    readonly ushort IFlowEntry<FlowKey6, FlowEntry6>.BackendIndex => BackendIndex;

    ushort IFlowEntry<FlowKey6, FlowEntry6>.NatPort { readonly get => NatPort; set => NatPort = value; }

    readonly bool IFlowEntry<FlowKey6, FlowEntry6>.TryAllocateNatPort(FullNatPortPool ports, out ushort port) => ports.TryAllocate(NatAddress, out port);

    readonly void IFlowEntry<FlowKey6, FlowEntry6>.ReleaseNatPort(FullNatPortPool ports) => ports.Release(NatAddress, NatPort);

    readonly FlowKey6 IFlowEntry<FlowKey6, FlowEntry6>.ReplyKey(in FlowKey6 key, ReverseKind kind) => kind == ReverseKind.FullNat
        ? new FlowKey6(BackendAddress, NatAddress, BackendPort, NatPort, key.Protocol)
        : new FlowKey6(BackendAddress, key.SourceAddress, BackendPort, key.SourcePort, key.Protocol);
}
