using System.Runtime.CompilerServices;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>
/// What the shared flow step of a packet to a service (<see cref="L4Processor"/>'s <c>TrackFlow</c>) needs of an
/// address family: its table, its entries' backend and full-NAT addresses.
/// </summary>
/// <remarks>Implemented by empty structs, so the JIT compiles the step once per family and inlines these calls, as in the connection table's shard.</remarks>
internal interface IFlowFamily<TKey, TEntry>
    where TKey : struct, IFlowKey<TKey>
    where TEntry : struct, IFlowEntry<TKey, TEntry>
{
    /// <summary>The family's forward lookup (<see cref="ConnectionTable.TryGetForward"/>).</summary>
    static abstract bool TryGetForward(ConnectionTable table, in TKey key, long now, byte tcpFlags, out TEntry entry);

    /// <summary>The family's removal of a flow whose 4-tuple a new SYN reuses.</summary>
    static abstract bool TryRemoveForRestart(ConnectionTable table, in TKey key);

    /// <summary>The family's insert.</summary>
    static abstract InsertOutcome TryInsert(ConnectionTable table, in TKey key, ref TEntry entry, ReverseKind reverse, long now);

    /// <summary>A new flow's entry to <paramref name="chosen"/>; with <paramref name="fullNat"/>, its source address taken from the service's pool by <paramref name="hash"/>.</summary>
    static abstract TEntry NewEntry(in L4Backend chosen, int backendIndex, ulong clientMac, int ingress, FlowState state, L4Service service, bool fullNat, ulong hash);

    /// <summary>Whether <paramref name="backend"/> is the one the flow was sent to (address and port).</summary>
    static abstract bool IsBackendOf(in L4Backend backend, in TEntry entry);
}

/// <summary>IPv4 flows: <see cref="FlowKey"/>, <see cref="FlowEntry"/>, the table itself.</summary>
internal readonly struct Ipv4Flows : IFlowFamily<FlowKey, FlowEntry>
{
    public static bool TryGetForward(ConnectionTable table, in FlowKey key, long now, byte tcpFlags, out FlowEntry entry) =>
        table.TryGetForward(key, now, tcpFlags, out entry);

    public static bool TryRemoveForRestart(ConnectionTable table, in FlowKey key) => table.TryRemoveForRestart(key);

    public static InsertOutcome TryInsert(ConnectionTable table, in FlowKey key, ref FlowEntry entry, ReverseKind reverse, long now) =>
        table.TryInsert(key, ref entry, reverse, now);

    public static FlowEntry NewEntry(in L4Backend chosen, int backendIndex, ulong clientMac, int ingress, FlowState state, L4Service service, bool fullNat, ulong hash)
    {
        var entry = new FlowEntry
        {
            BackendAddress = chosen.Address,
            BackendPort = chosen.Port,
            BackendIndex = (ushort)backendIndex,
            FlowCounter = chosen.FlowCounter,
            ClientMac = clientMac,
            ClientInterfaceIndex = (ushort)ingress,
            State = state,
        };
        if (fullNat)
        {
            uint[] sources = service.FullNatSources;
            entry.NatAddress = sources[(int)((uint)(hash >> 32) % (uint)sources.Length)];
        }

        return entry;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsBackendOf(in L4Backend backend, in FlowEntry entry) =>
        backend.Address == entry.BackendAddress && backend.Port == entry.BackendPort;
}

/// <summary>IPv6 flows: <see cref="FlowKey6"/>, <see cref="FlowEntry6"/>, the table's IPv6 twin.</summary>
internal readonly struct Ipv6Flows : IFlowFamily<FlowKey6, FlowEntry6>
{
    public static bool TryGetForward(ConnectionTable table, in FlowKey6 key, long now, byte tcpFlags, out FlowEntry6 entry) =>
        table.Ipv6.TryGetForward(key, now, tcpFlags, out entry);

    public static bool TryRemoveForRestart(ConnectionTable table, in FlowKey6 key) => table.Ipv6.TryRemoveForRestart(key);

    public static InsertOutcome TryInsert(ConnectionTable table, in FlowKey6 key, ref FlowEntry6 entry, ReverseKind reverse, long now) =>
        table.Ipv6.TryInsert(key, ref entry, reverse, now);

    public static FlowEntry6 NewEntry(in L4Backend chosen, int backendIndex, ulong clientMac, int ingress, FlowState state, L4Service service, bool fullNat, ulong hash)
    {
        var entry = new FlowEntry6
        {
            BackendAddress = chosen.Address6,
            BackendPort = chosen.Port,
            BackendIndex = (ushort)backendIndex,
            FlowCounter = chosen.FlowCounter,
            ClientMac = clientMac,
            ClientInterfaceIndex = (ushort)ingress,
            State = state,
        };
        if (fullNat)
        {
            UInt128[] sources = service.FullNatSources6;
            entry.NatAddress = sources[(int)((uint)(hash >> 32) % (uint)sources.Length)];
        }

        return entry;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsBackendOf(in L4Backend backend, in FlowEntry6 entry) =>
        backend.Address6 == entry.BackendAddress && backend.Port == entry.BackendPort;
}

/// <summary>The flow step both families share: a packet to a service finds its tracked backend, or a new flow is selected and inserted.</summary>
public sealed partial class L4Processor
{
    /// <summary>The index of the flow's backend in the service's current list (where it was, or where the control plane moved it), or -1 when it is gone.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ResolveBackend<TFamily, TKey, TEntry>(L4Service service, in TEntry entry)
        where TFamily : struct, IFlowFamily<TKey, TEntry>
        where TKey : struct, IFlowKey<TKey>
        where TEntry : struct, IFlowEntry<TKey, TEntry>
    {
        L4Backend[] backends = service.Backends;
        int index = entry.BackendIndex;
        return (uint)index < (uint)backends.Length && TFamily.IsBackendOf(in backends[index], in entry)
            ? index
            : FindMovedBackend<TFamily, TKey, TEntry>(backends, in entry);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int FindMovedBackend<TFamily, TKey, TEntry>(L4Backend[] backends, in TEntry entry)
        where TFamily : struct, IFlowFamily<TKey, TEntry>
        where TKey : struct, IFlowKey<TKey>
        where TEntry : struct, IFlowEntry<TKey, TEntry>
    {
        // Cold: the control plane reordered the backend list; the flow keeps its backend if it still exists.
        for (int i = 0; i < backends.Length; i++)
        {
            if (TFamily.IsBackendOf(in backends[i], in entry))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Looks the packet's flow up; a SYN on a tracked flow whose backend takes no new flows starts over; an untracked
    /// packet becomes a new flow (SYN budget, selector, full-NAT source, insert). Returns <see cref="DropReason.None"/>
    /// with the backend's index and the flow's entry, or why the packet is dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private DropReason TrackFlow<TFamily, TKey, TEntry>(in TKey key, Span<byte> buffer, ref PacketView view, L4Service service, int offset, int ingress, long now, out int backendIndex, out TEntry entry)
        where TFamily : struct, IFlowFamily<TKey, TEntry>
        where TKey : struct, IFlowKey<TKey>
        where TEntry : struct, IFlowEntry<TKey, TEntry>
    {
        backendIndex = -1;
        bool tracked = TFamily.TryGetForward(_table, key, now, view.TcpFlags, out entry);
        if (tracked)
        {
            backendIndex = ResolveBackend<TFamily, TKey, TEntry>(service, in entry);

            // A SYN on a tracked flow whose backend takes no new flows (down, drained, removed) is a new connection on a
            // reused 4-tuple (DSR and tunnel never see the backend's RST that ended the old one): select again.
            if (view.IsTcpSynOnly && !TakesNewFlows(service.Backends, backendIndex) && TFamily.TryRemoveForRestart(_table, key))
            {
                tracked = false;
            }
        }

        if (!tracked)
        {
            bool tcp = view.Protocol == Ipv4Header.ProtocolTcp;
            bool synOnly = view.IsTcpSynOnly;
            if (tcp && !synOnly && service.NonSynMiss == NonSynMissPolicy.Drop)
            {
                return DropReason.NoFlow;
            }

            if (synOnly && NewFlowBudget >= 0)
            {
                if (NewFlowBudget == 0)
                {
                    return DropReason.SynShed;
                }

                NewFlowBudget--;
            }

            ulong hash = TKey.Hash(key);
            bool reselected = tcp && !synOnly && service.ReselectSelector is not null;
            backendIndex = (reselected ? service.ReselectSelector! : service.Selector).Select(hash);
            L4Backend[] backends = service.Backends;
            if ((uint)backendIndex >= (uint)backends.Length || (reselected && backends[backendIndex].Mac.Value == 0))
            {
                return DropReason.NoBackend;
            }

            ForwardingModeKind kind = service.Kind;
            var state = !tcp ? FlowState.Udp : synOnly ? FlowState.SynSeen : FlowState.Established;
            ulong clientMac = EthernetAddress.Read(buffer[(offset + EthernetHeader.SourceOffset)..]).Value;
            entry = TFamily.NewEntry(in backends[backendIndex], backendIndex, clientMac, ingress, state, service, kind == ForwardingModeKind.FullNat, hash);
            ReverseKind reverse = kind switch
            {
                ForwardingModeKind.Nat => ReverseKind.Nat,
                ForwardingModeKind.FullNat => ReverseKind.FullNat,
                _ => ReverseKind.None,
            };
            switch (TFamily.TryInsert(_table, key, ref entry, reverse, now))
            {
                case InsertOutcome.Inserted:
                    Counters.CountNewFlow();
                    break;
                case InsertOutcome.Existing:
                    backendIndex = ResolveBackend<TFamily, TKey, TEntry>(service, in entry);
                    break;
                case InsertOutcome.ReplyCollision:
                    return DropReason.FlowCollision;
                default:
                    return DropReason.TableFull;
            }
        }

        return backendIndex < 0 ? DropReason.NoBackend : DropReason.None;
    }
}
