using LoadBalancer.Modes.Selection;

namespace LoadBalancer.Modes.Tests.TestSupport;

/// <summary>The simplest deterministic selector: hash % n (n = 0 means "no backend").</summary>
internal sealed class ModuloSelector(int count) : IBackendSelector
{
    public string Name => "modulo";

    public int Select(ulong flowHash) => count == 0 ? -1 : (int)(flowHash % (ulong)count);
}
