using System.IO.Hashing;
using System.Text;
using BenchmarkDotNet.Attributes;
using LoadBalancer.Modes.Selection;

namespace LoadBalancer.Benchmarks;

/// <summary>The former hand-written xxHash64 against System.IO.Hashing.XxHash64 (which <see cref="StableHash"/> now calls) on backend-key-sized inputs.</summary>
[MemoryDiagnoser]
public class StableHashBenchmarks
{
    private byte[] _key = [];
    private string _text = "";

    /// <summary>Key length in bytes: an "ip:port" backend key, a cookie value, a long header value.</summary>
    [Params(16, 40, 128)]
    public int Length { get; set; }

    /// <summary>Builds the key and checks that both implementations agree on it.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _text = new string('k', Length - 4) + "1234";
        _key = Encoding.UTF8.GetBytes(_text);
        if (HandWrittenXxHash64.Hash(_key, 7) != XxHash64.HashToUInt64(_key, 7))
        {
            throw new InvalidOperationException("the two xxHash64 implementations disagree");
        }
    }

    /// <summary>The former hand-written implementation.</summary>
    [Benchmark(Baseline = true)]
    public ulong HandWritten() => HandWrittenXxHash64.Hash(_key, 7);

    /// <summary>System.IO.Hashing over the same bytes.</summary>
    [Benchmark]
    public ulong Library() => XxHash64.HashToUInt64(_key, 7);

    /// <summary>What callers pay for a string key: UTF-8 encoding on the stack, then the library hash.</summary>
    [Benchmark]
    public ulong StableHashOfString() => StableHash.Hash(_text, 7);
}
