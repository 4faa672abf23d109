using BenchmarkDotNet.Attributes;
using LoadBalancer.Modes.Flows;

namespace LoadBalancer.Benchmarks;

/// <summary>Connection-table lookup and insert at 10k and 1M tracked flows.</summary>
[MemoryDiagnoser]
public class ConnectionTableBenchmarks
{
    private const int Batch = 1024;
    private ConnectionTable _table = null!;
    private FlowKey[] _keys = [];
    private int _cursor;
    private uint _nextClient;

    /// <summary>Flows in the table (also its capacity, so inserts evict).</summary>
    [Params(10_000, 1_000_000)]
    public int Entries { get; set; }

    /// <summary>Fills the table to capacity with NAT flows.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _table = new ConnectionTable(new ConnectionTableOptions { Capacity = Entries });
        _keys = new FlowKey[Entries];
        long now = _table.TimeProvider.GetTimestamp();
        for (int i = 0; i < Entries; i++)
        {
            _keys[i] = new FlowKey(0xC0A80000u + (uint)(i >> 14), 0x0A000064, (ushort)(1024 + ((i & 0x3FFF) * 2)), 80, 6);
            var entry = new FlowEntry { BackendAddress = 0x0A01000B, BackendPort = 8080, State = FlowState.Established };
            _table.TryInsert(_keys[i], ref entry, ReverseKind.Nat, now);
        }

        _nextClient = 0x0B000000;
    }

    /// <summary>Looks up existing flows in a scattered order.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int Lookup()
    {
        int found = 0;
        long now = _table.TimeProvider.GetTimestamp();
        for (int i = 0; i < Batch; i++)
        {
            _cursor = (_cursor + 7919) % _keys.Length;
            if (_table.TryGetForward(_keys[_cursor], now, 0x10, out _))
            {
                found++;
            }
        }

        return found;
    }

    /// <summary>Inserts new NAT flows into the full table (each insert evicts the oldest idle flow of its buckets).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int InsertEvicting()
    {
        int inserted = 0;
        long now = _table.TimeProvider.GetTimestamp();
        for (int i = 0; i < Batch; i++)
        {
            var key = new FlowKey(_nextClient++, 0x0A000064, 40000, 80, 6);
            var entry = new FlowEntry { BackendAddress = 0x0A01000B, BackendPort = 8080, State = FlowState.SynSeen };
            if (_table.TryInsert(key, ref entry, ReverseKind.Nat, now) == InsertOutcome.Inserted)
            {
                inserted++;
            }
        }

        return inserted;
    }
}
