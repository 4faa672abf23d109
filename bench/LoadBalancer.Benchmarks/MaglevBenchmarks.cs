using BenchmarkDotNet.Attributes;
using LoadBalancer.Modes.Selection;

namespace LoadBalancer.Benchmarks;

/// <summary>Cost of building a 65,537-slot Maglev table and of looking a flow hash up in it.</summary>
[MemoryDiagnoser]
public class MaglevBenchmarks
{
    private const int LookupsPerInvoke = 1024;

    private BackendWeight[] _backends = [];
    private MaglevTable _table = null!;
    private ulong[] _hashes = [];

    /// <summary>Number of backends in the pool.</summary>
    [Params(10, 100, 1000)]
    public int Backends { get; set; }

    /// <summary>Builds the inputs once per parameter value.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _backends = new BackendWeight[Backends];
        for (int i = 0; i < Backends; i++)
        {
            _backends[i] = new BackendWeight($"10.{i / 65536}.{i / 256 % 256}.{i % 256}:80", 1 + i % 3);
        }

        _table = MaglevTable.Build(_backends);
        var rnd = new Random(42);
        _hashes = new ulong[LookupsPerInvoke];
        for (int i = 0; i < _hashes.Length; i++)
        {
            _hashes[i] = (ulong)rnd.NextInt64();
        }
    }

    /// <summary>Control-plane cost: a full weighted table build.</summary>
    [Benchmark]
    public MaglevTable Build() => MaglevTable.Build(_backends);

    /// <summary>Data-plane cost of one lookup, averaged over 1,024 different hashes.</summary>
    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public int Lookup()
    {
        MaglevTable table = _table;
        int sum = 0;
        foreach (ulong h in _hashes)
        {
            sum += table.Lookup(h);
        }

        return sum;
    }

    /// <summary>Hashing a 16-character backend key with <see cref="StableHash"/>, the per-request cost of an L7 hash key.</summary>
    [Benchmark]
    public ulong HashKey() => StableHash.Hash("192.168.100.200:");
}
