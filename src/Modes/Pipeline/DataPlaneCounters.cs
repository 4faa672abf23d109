using LoadBalancer.Modes.ClientAddress;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>Plain per-thread counters of one packet thread; only that thread writes, the metrics layer sums all threads at scrape time.</summary>
/// <remarks>No locks or Interlocked: a 64-bit store is atomic on x64, so a reader sees an old or new value, never a torn one.</remarks>
public sealed class DataPlaneCounters
{
    private readonly long[] _packets;
    private readonly long[] _bytes;
    private readonly long[] _drops;
    private readonly long[] _clientAddressOptions = new long[Enum.GetValues<ClientAddressOptionOutcome>().Length];
    private long _passed;
    private long _newFlows;
    private long _unattributedPackets;

    /// <summary>Creates counters for up to <paramref name="maxServices"/> services of up to <paramref name="maxBackendsPerService"/> backends.</summary>
    public DataPlaneCounters(int maxServices = 64, int maxBackendsPerService = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxServices, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBackendsPerService, 1);
        MaxServices = maxServices;
        MaxBackendsPerService = maxBackendsPerService;
        _packets = new long[maxServices * maxBackendsPerService * 2];
        _bytes = new long[_packets.Length];
        _drops = new long[Enum.GetValues<DropReason>().Length];
    }

    /// <summary>Services with their own counters; higher indices count as unattributed.</summary>
    public int MaxServices { get; }

    /// <summary>Backends per service with their own counters.</summary>
    public int MaxBackendsPerService { get; }

    /// <summary>Frames handed to the control plane (ARP, ICMP echo to a VIP).</summary>
    public long Passed => Volatile.Read(ref _passed);

    /// <summary>Flows inserted into the connection table by this thread.</summary>
    public long NewFlows => Volatile.Read(ref _newFlows);

    /// <summary>Forwarded packets whose service or backend index is beyond the counter arrays.</summary>
    public long UnattributedPackets => Volatile.Read(ref _unattributedPackets);

    /// <summary>Packets forwarded for a service's backend in one direction.</summary>
    public long GetPackets(int service, int backend, FlowDirection direction)
        => TrySlot(service, backend, direction, out int slot) ? Volatile.Read(ref _packets[slot]) : 0;

    /// <summary>Bytes (whole frames as received) forwarded for a service's backend in one direction.</summary>
    public long GetBytes(int service, int backend, FlowDirection direction)
        => TrySlot(service, backend, direction, out int slot) ? Volatile.Read(ref _bytes[slot]) : 0;

    /// <summary>Frames dropped for a reason.</summary>
    public long GetDrops(DropReason reason)
        => (uint)reason < (uint)_drops.Length ? Volatile.Read(ref _drops[(int)reason]) : 0;

    internal void CountTx(int service, int backend, FlowDirection direction, int bytes)
    {
        if (TrySlot(service, backend, direction, out int slot))
        {
            _packets[slot]++;
            _bytes[slot] += bytes;
        }
        else
        {
            _unattributedPackets++;
        }
    }

    /// <summary>Client SYNs of services with the client-address option, by what happened to the option.</summary>
    public long GetClientAddressOptions(ClientAddressOptionOutcome outcome)
        => (uint)outcome < (uint)_clientAddressOptions.Length ? Volatile.Read(ref _clientAddressOptions[(int)outcome]) : 0;

    internal void CountClientAddressOption(ClientAddressOptionOutcome outcome) => _clientAddressOptions[(int)outcome]++;

    internal void CountDrop(DropReason reason) => _drops[(int)reason]++;

    internal void CountPass() => _passed++;

    internal void CountNewFlow() => _newFlows++;

    private bool TrySlot(int service, int backend, FlowDirection direction, out int slot)
    {
        if ((uint)service >= (uint)MaxServices || (uint)backend >= (uint)MaxBackendsPerService)
        {
            slot = -1;
            return false;
        }

        slot = (((service * MaxBackendsPerService) + backend) * 2) + (int)direction;
        return true;
    }
}
