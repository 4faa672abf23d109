namespace LoadBalancer.Modes.Flows;

/// <summary>Bounded, collision-free source ports for full NAT, per balancer source address, handed out FIFO so a port rests before reuse.</summary>
/// <remarks>
/// One pool serves one partition of the port space: ports p in [1024, 65535] with (p &amp; (partitions - 1)) == partition.
/// The connection table gives each shard its own partition, so a reply's destination port alone names the shard that owns
/// the flow, and the pool needs no lock of its own (the shard's lock covers it). Not thread-safe by itself.
/// </remarks>
public sealed class FullNatPortPool
{
    /// <summary>Lowest port handed out (below are well-known ports).</summary>
    public const int FirstPort = 1024;

    private readonly int _partition;
    private readonly int _partitionCount;
    private readonly int _portsPerAddress;
    private readonly UInt128[] _addresses;
    private readonly ushort[][] _rings;
    private readonly bool[][] _inUse;
    private readonly int[] _heads;
    private readonly int[] _counts;
    private int _addressCount;

    /// <summary>Creates the pool for one partition of the port space.</summary>
    /// <param name="partition">This pool's partition, 0 &lt;= partition &lt; partitionCount.</param>
    /// <param name="partitionCount">Number of partitions, a power of two.</param>
    /// <param name="maxAddresses">How many distinct source addresses the pool can serve.</param>
    public FullNatPortPool(int partition = 0, int partitionCount = 1, int maxAddresses = 16)
    {
        if (partitionCount <= 0 || (partitionCount & (partitionCount - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(partitionCount), "must be a power of two");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, partitionCount);
        _partition = partition;
        _partitionCount = partitionCount;
        int count = 0;
        for (int p = FirstPort; p <= ushort.MaxValue; p++)
        {
            if ((p & (partitionCount - 1)) == partition)
            {
                count++;
            }
        }

        _portsPerAddress = count;
        _addresses = new UInt128[maxAddresses];
        _rings = new ushort[maxAddresses][];
        _inUse = new bool[maxAddresses][];
        _heads = new int[maxAddresses];
        _counts = new int[maxAddresses];
    }

    /// <summary>Ports available per source address in this partition.</summary>
    public int PortsPerAddress => _portsPerAddress;

    /// <summary>Takes a free port for the IPv4 source address; false when none is left (or the address table is full).</summary>
    public bool TryAllocate(uint address, out ushort port) => TryAllocate((UInt128)address, out port);

    /// <summary>Returns a port of an IPv4 source address to the pool (see the IPv6 overload).</summary>
    public void Release(uint address, ushort port) => Release((UInt128)address, port);

    /// <summary>Ports currently free for the IPv4 address (all of them for an address never seen).</summary>
    public int Available(uint address) => Available((UInt128)address);

    /// <summary>Takes a free port for the source address (a pool serves one family, so IPv4 and IPv6 never share one); false when none is left (or the address table is full).</summary>
    public bool TryAllocate(UInt128 address, out ushort port)
    {
        port = 0;
        int slot = SlotOf(address, create: true);
        if (slot < 0 || _counts[slot] == 0)
        {
            return false;
        }

        ushort[] ring = _rings[slot];
        port = ring[_heads[slot]];
        _heads[slot] = (_heads[slot] + 1) % ring.Length;
        _counts[slot]--;
        _inUse[slot][IndexOf(port)] = true;
        return true;
    }

    /// <summary>Returns a port to the pool; ignores ports it did not hand out (so a double release cannot duplicate a port).</summary>
    public void Release(UInt128 address, ushort port)
    {
        int slot = SlotOf(address, create: false);
        if (slot < 0 || port < FirstPort || (port & (_partitionCount - 1)) != _partition)
        {
            return;
        }

        int index = IndexOf(port);
        if (!_inUse[slot][index])
        {
            return;
        }

        _inUse[slot][index] = false;
        ushort[] ring = _rings[slot];
        ring[(_heads[slot] + _counts[slot]) % ring.Length] = port;
        _counts[slot]++;
    }

    /// <summary>Ports currently free for the address (all of them for an address never seen).</summary>
    public int Available(UInt128 address)
    {
        int slot = SlotOf(address, create: false);
        return slot < 0 ? _portsPerAddress : _counts[slot];
    }

    private int IndexOf(ushort port) => (port - FirstPort) / _partitionCount;

    private int SlotOf(UInt128 address, bool create)
    {
        for (int i = 0; i < _addressCount; i++)
        {
            if (_addresses[i] == address)
            {
                return i;
            }
        }

        if (!create || _addressCount == _addresses.Length)
        {
            return -1;
        }

        // Cold path: the first flow through a new source address fills its ring once.
        int slot = _addressCount;
        var ring = new ushort[_portsPerAddress];
        int n = 0;
        for (int p = FirstPort; p <= ushort.MaxValue; p++)
        {
            if ((p & (_partitionCount - 1)) == _partition)
            {
                ring[n++] = (ushort)p;
            }
        }

        _rings[slot] = ring;
        _inUse[slot] = new bool[_portsPerAddress + _partitionCount];
        _counts[slot] = n;
        _heads[slot] = 0;
        _addresses[slot] = address;
        _addressCount++;
        return slot;
    }
}
