using System.Diagnostics.CodeAnalysis;

namespace LoadBalancer.Health.Probes;

/// <summary>Finds the probe for a config name; the monitor only sees this, so the L4 engine can add its own kinds (e.g. "datapath").</summary>
public interface IHealthProbeFactory
{
    /// <summary>Returns the probe registered under <paramref name="name"/> (case-insensitive), or false when there is none.</summary>
    bool TryGetProbe(string name, [NotNullWhen(true)] out IHealthProbe? probe);
}
