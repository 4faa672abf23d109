using System.Runtime.CompilerServices;
using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>The L4 data plane for one packet thread: parse, classify, track, select, rewrite, count; no allocation, no exceptions.</summary>
/// <remarks>
/// One instance per packet thread (it owns that thread's counters and IP ID sequence); the snapshot source and the
/// connection table are shared by all of them.
/// </remarks>
public sealed partial class L4Processor
{
    /// <summary>Headroom the tunnel mode needs in front of the frame for the outer header (IPv4 20 bytes, IPv6 40).</summary>
    public const int TunnelHeadroom = Ip6ip6Tunnel.Overhead > IpipForwardingMode.Overhead ? Ip6ip6Tunnel.Overhead : IpipForwardingMode.Overhead;
    private readonly L4SnapshotSource _source;
    private readonly ConnectionTable _table;
    private readonly TimeProvider _time;
    private ushort _nextIpId;

    /// <summary>Creates a processor for one packet thread.</summary>
    /// <param name="source">Shared holder of the current snapshot.</param>
    /// <param name="table">Shared connection table (its TimeProvider is the clock).</param>
    /// <param name="counters">This thread's counters (defaults to a fresh instance).</param>
    /// <param name="firstIpId">First IP identification used for tunnel outer headers (tests pin it; give threads different starts).</param>
    public L4Processor(L4SnapshotSource source, ConnectionTable table, DataPlaneCounters? counters = null, ushort firstIpId = 1)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(table);
        _source = source;
        _table = table;
        _time = table.TimeProvider;
        Counters = counters ?? new DataPlaneCounters();
        _nextIpId = firstIpId;
    }

    /// <summary>This thread's counters.</summary>
    public DataPlaneCounters Counters { get; }

    /// <summary>New TCP flows (SYNs without a tracked flow) this processor may still open; negative: no limit. The receive worker sets it per batch while it is saturated, so tracked flows keep priority over new SYNs.</summary>
    public int NewFlowBudget { get; set; } = -1;

    /// <summary>Processes the frame at buffer[offset..offset+length], rewriting it in place; the tunnel mode may use up to <see cref="TunnelHeadroom"/> bytes before offset.</summary>
    /// <param name="buffer">The buffer holding the frame (with headroom before it for the tunnel mode).</param>
    /// <param name="offset">Start of the Ethernet frame.</param>
    /// <param name="length">Captured length of the frame.</param>
    /// <param name="ingressInterfaceIndex">Engine index of the interface the frame arrived on (replies to the client leave through it).</param>
    public ForwardResult Process(Span<byte> buffer, int offset, int length, int ingressInterfaceIndex)
        => Process(buffer, offset, length, ingressInterfaceIndex, _time.GetTimestamp());

    /// <summary>Same as the other overload with the current timestamp supplied by the caller (read once per capture batch to save a clock read per packet).</summary>
    /// <param name="buffer">The buffer holding the frame (with headroom before it for the tunnel mode).</param>
    /// <param name="offset">Start of the Ethernet frame.</param>
    /// <param name="length">Captured length of the frame.</param>
    /// <param name="ingressInterfaceIndex">Engine index of the interface the frame arrived on.</param>
    /// <param name="now">A recent <see cref="TimeProvider.GetTimestamp"/> of the connection table's clock.</param>
    public ForwardResult Process(Span<byte> buffer, int offset, int length, int ingressInterfaceIndex, long now)
    {
        ForwardResult result = ProcessCore(buffer, offset, length, ingressInterfaceIndex, now);
        if (result.Verdict == Verdict.Drop)
        {
            Counters.CountDrop(result.Reason);
        }
        else if (result.Verdict == Verdict.Pass)
        {
            Counters.CountPass();
        }

        return result;
    }

    private ForwardResult ProcessCore(Span<byte> buffer, int offset, int length, int ingress, long now)
    {
        L4Snapshot? snapshot = _source.Current;
        if (snapshot is null)
        {
            return ForwardResult.Dropped(DropReason.NoSnapshot);
        }

        DropReason reason = PacketParser.Parse(buffer, offset, length, out PacketView view);
        if (reason != DropReason.None)
        {
            return ForwardResult.Dropped(reason);
        }

        if (view.EtherType != EthernetHeader.EtherTypeIpv4BigEndianValue)
        {
            return view.IsIpv6 ? ProcessIpv6(buffer, ref view, snapshot, offset, length, ingress, now) : new ForwardResult(Verdict.Pass, DropReason.None, offset, length, ingress);
        }

        if (Ipv4Address.IsMartianSource(view.SourceAddress))
        {
            return ForwardResult.Dropped(DropReason.MartianSource);
        }

        if (snapshot.IsVip(view.SourceAddress))
        {
            return ForwardResult.Dropped(DropReason.SourceIsVip);
        }

        if (view.Protocol == Ipv4Header.ProtocolIcmp)
        {
            if (view.IsIcmpError)
            {
                return HandleIcmpError(buffer, ref view, snapshot, offset, length, now);
            }

            return snapshot.IsVip(view.DestinationAddress)
                ? new ForwardResult(Verdict.Pass, DropReason.None, offset, length, ingress)
                : ForwardResult.Dropped(DropReason.NotForVip);
        }

        L4Service? service = snapshot.FindService(view.DestinationAddress, view.DestinationPort, view.Protocol);
        if (service is not null)
        {
            return HandleToService(buffer, ref view, snapshot, service, offset, length, ingress, now);
        }

        if (snapshot.IsVip(view.DestinationAddress))
        {
            return ForwardResult.Dropped(DropReason.NoService);
        }

        return HandleReply(buffer, ref view, snapshot, offset, length, now);
    }

    /// <summary>A packet to one of the services: the flow step shared with IPv6 (<c>TrackFlow</c>), then the mode's rewrite.</summary>
    private ForwardResult HandleToService(Span<byte> buffer, ref PacketView view, L4Snapshot snapshot, L4Service service, int offset, int length, int ingress, long now)
    {
        ForwardingModeKind kind = service.Kind;
        if (service.DecrementsTtl && view.Ttl <= 1)
        {
            return ForwardResult.Dropped(DropReason.TtlExpired);
        }

        var key = new FlowKey(view.SourceAddress, view.DestinationAddress, view.SourcePort, view.DestinationPort, view.Protocol);
        DropReason drop = TrackFlow<Ipv4Flows, FlowKey, FlowEntry>(in key, buffer, ref view, service, offset, ingress, now, out int backendIndex, out FlowEntry entry);
        if (drop != DropReason.None)
        {
            return ForwardResult.Dropped(drop);
        }

        ref readonly L4Backend backend = ref service.Backends[backendIndex];
        int outOffset = offset;
        int outLength = length;
        switch (kind)
        {
            case ForwardingModeKind.Nat:
                NatForwardingMode.ToBackend(buffer, in view, backend.Address, backend.Port, backend.Mac, snapshot.BalancerMac, service.ChecksumMode);
                break;
            case ForwardingModeKind.FullNat:
                FullNatForwardingMode.ToBackend(buffer, in view, entry.NatAddress, entry.NatPort, backend.Address, backend.Port, backend.Mac, snapshot.BalancerMac, service.ChecksumMode);
                if (service.ClientAddressOption && view.IsTcpSynOnly)
                {
                    Counters.CountClientAddressOption(ClientAddressOptionWriter.Insert(buffer, in view, length, out outOffset, out outLength));
                }

                break;
            case ForwardingModeKind.Tunnel:
                if (view.L2Offset < IpipForwardingMode.Overhead)
                {
                    return ForwardResult.Dropped(DropReason.NoHeadroom);
                }

                IpipForwardingMode.PrepareInner(buffer, in view, service.MssClamp, service.MssClampValue, service.ChecksumMode);
                IpipForwardingMode.TryEncapsulate(buffer, in view, length, service.TunnelSource, backend.Address, _nextIpId++, backend.Mac, snapshot.BalancerMac, out outOffset, out outLength);
                break;
            default:
                DsrForwardingMode.ToBackend(buffer, in view, backend.Mac, snapshot.BalancerMac, service.ChecksumMode);
                break;
        }

        Counters.CountTx(service.Index, backendIndex, FlowDirection.ToBackend, length);
        return new ForwardResult(Verdict.Tx, DropReason.None, outOffset, outLength, backend.InterfaceIndex);
    }

    private ForwardResult HandleReply(Span<byte> buffer, ref PacketView view, L4Snapshot snapshot, int offset, int length, long now)
    {
        var replyKey = new FlowKey(view.SourceAddress, view.DestinationAddress, view.SourcePort, view.DestinationPort, view.Protocol);
        bool fullNat = snapshot.IsFullNatSource(view.DestinationAddress);
        if (!_table.TryGetReverse(replyKey, fullNat, now, view.TcpFlags, out FlowKey forwardKey, out FlowEntry entry))
        {
            return ForwardResult.Dropped(DropReason.NotForVip);
        }

        L4Service? service = snapshot.FindService(forwardKey.DestinationAddress, forwardKey.DestinationPort, forwardKey.Protocol);
        if (service is null)
        {
            return ForwardResult.Dropped(DropReason.NoService);
        }

        if (view.Ttl <= 1)
        {
            return ForwardResult.Dropped(DropReason.TtlExpired);
        }

        var clientMac = new EthernetAddress(entry.ClientMac);
        if (fullNat)
        {
            FullNatForwardingMode.ToClient(
                buffer, in view, forwardKey.DestinationAddress, forwardKey.DestinationPort, forwardKey.SourceAddress, forwardKey.SourcePort,
                clientMac, snapshot.BalancerMac, service.ChecksumMode);
        }
        else
        {
            NatForwardingMode.ToClient(buffer, in view, forwardKey.DestinationAddress, forwardKey.DestinationPort, clientMac, snapshot.BalancerMac, service.ChecksumMode);
        }

        Counters.CountTx(service.Index, entry.BackendIndex, FlowDirection.ToClient, length);
        return new ForwardResult(Verdict.Tx, DropReason.None, offset, length, entry.ClientInterfaceIndex);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TakesNewFlows(L4Backend[] backends, int index)
        => (uint)index < (uint)backends.Length && backends[index].Weight > 0;
}
