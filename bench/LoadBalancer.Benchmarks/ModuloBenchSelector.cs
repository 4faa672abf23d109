using LoadBalancer.Modes.Selection;

namespace LoadBalancer.Benchmarks;

/// <summary>hash % n, so the benchmark measures the data plane rather than a selector.</summary>
internal sealed class ModuloBenchSelector(int count) : IBackendSelector
{
    public string Name => "modulo";

    public int Select(ulong flowHash) => (int)(flowHash % (ulong)count);
}
