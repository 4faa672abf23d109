using System.Runtime.InteropServices;

namespace LoadBalancer.Modes.Flows;

/// <summary>What the table remembers about a flow (a forward entry) or points back to it (a reverse entry for NAT replies).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FlowEntry : IFlowEntry<FlowKey, FlowEntry>
{
    /// <summary>TimeProvider timestamp of the last packet in either direction.</summary>
    public long LastSeen;

    /// <summary>The client's MAC from its original frame, used as destination of replies (NAT modes).</summary>
    public ulong ClientMac;

    /// <summary>Backend address, host numeric order.</summary>
    public uint BackendAddress;

    /// <summary>Full NAT: the balancer source address the flow was rewritten to (0 otherwise).</summary>
    public uint NatAddress;

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

    /// <summary>Slot in the table's <see cref="ConnectionTable.FlowCounters"/> counting this flow's backend (0: not counted per backend); last, where it fills padding and the entry stays 40 bytes.</summary>
    public ushort FlowCounter;

    long IFlowEntry<FlowKey, FlowEntry>.LastSeen { readonly get => LastSeen; set => LastSeen = value; }

    int IFlowEntry<FlowKey, FlowEntry>.Link { readonly get => Link; set => Link = value; }

    byte IFlowEntry<FlowKey, FlowEntry>.Kind { readonly get => Kind; set => Kind = value; }

    FlowState IFlowEntry<FlowKey, FlowEntry>.State { readonly get => State; set => State = value; }

    readonly ushort IFlowEntry<FlowKey, FlowEntry>.FlowCounter => FlowCounter;

    readonly ushort IFlowEntry<FlowKey, FlowEntry>.BackendIndex => BackendIndex;

    ushort IFlowEntry<FlowKey, FlowEntry>.NatPort { readonly get => NatPort; set => NatPort = value; }

    readonly bool IFlowEntry<FlowKey, FlowEntry>.TryAllocateNatPort(FullNatPortPool ports, out ushort port) => ports.TryAllocate(NatAddress, out port);

    readonly void IFlowEntry<FlowKey, FlowEntry>.ReleaseNatPort(FullNatPortPool ports) => ports.Release(NatAddress, NatPort);

    readonly FlowKey IFlowEntry<FlowKey, FlowEntry>.ReplyKey(in FlowKey key, ReverseKind kind) => kind == ReverseKind.FullNat
        ? new FlowKey(BackendAddress, NatAddress, BackendPort, NatPort, key.Protocol)
        : new FlowKey(BackendAddress, key.SourceAddress, BackendPort, key.SourcePort, key.Protocol);
}
