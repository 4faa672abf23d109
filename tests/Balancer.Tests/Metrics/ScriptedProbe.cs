using LoadBalancer.Health.Probes;

namespace LoadBalancer.Balancer.Tests.Metrics;

/// <summary>A probe that answers from a script (then passes for ever) and counts its calls.</summary>
internal sealed class ScriptedProbe(string name, params ProbeResult[] script) : IHealthProbe
{
    private int _calls;

    public static ProbeResult Pass { get; } = ProbeResult.Ok("status 200", TimeSpan.FromMilliseconds(1));

    public static ProbeResult Fail { get; } = ProbeResult.Fail(ProbeReason.BadStatus, "status 503", TimeSpan.FromMilliseconds(1));

    public string Name { get; } = name;

    public int Calls => Volatile.Read(ref _calls);

    public ValueTask<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken ct)
    {
        var n = Interlocked.Increment(ref _calls);
        return ValueTask.FromResult(n <= script.Length ? script[n - 1] : Pass);
    }
}
