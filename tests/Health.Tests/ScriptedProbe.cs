using LoadBalancer.Health.Probes;

namespace LoadBalancer.Health.Tests;

/// <summary>A probe whose answers the test decides, per backend id, and that counts calls.</summary>
internal sealed class ScriptedProbe(string name, Func<ProbeTarget, CancellationToken, ValueTask<ProbeResult>> answer) : IHealthProbe
{
    private int _calls;

    public string Name { get; } = name;

    public int Calls => Volatile.Read(ref _calls);

    public static ProbeResult Pass { get; } = ProbeResult.Ok("status 200", TimeSpan.FromMilliseconds(1));

    public static ProbeResult Fail { get; } = ProbeResult.Fail(ProbeReason.BadStatus, "status 503", TimeSpan.FromMilliseconds(1));

    public ValueTask<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken ct)
    {
        Interlocked.Increment(ref _calls);
        return answer(target, ct);
    }
}
