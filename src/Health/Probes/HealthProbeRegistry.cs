using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace LoadBalancer.Health.Probes;

/// <summary>The probes known by name; starts with "tcp", "http" and "https", and takes more (the L4 engine's "datapath") at run time.</summary>
public sealed class HealthProbeRegistry : IHealthProbeFactory, IDisposable
{
    /// <summary>Name reserved for the L4 engine's probe that travels the data path (DSR/tunnel) to the backend.</summary>
    public const string DataPathProbeName = "datapath";

    private readonly ConcurrentDictionary<string, IHealthProbe> _probes = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Names every config may use, registered or not: built-ins plus the reserved data-path probe.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = ["tcp", "http", "https", DataPathProbeName];

    /// <summary>Creates a registry holding the built-in "tcp", "http" and "https" probes.</summary>
    /// <param name="preamble">Builds the PROXY header the probes send to backends that expect one (the host supplies it).</param>
    public static HealthProbeRegistry CreateDefault(IProbePreamble? preamble = null)
    {
        var registry = new HealthProbeRegistry();
        registry.Register(new TcpHealthProbe(preamble));
        registry.Register(new HttpHealthProbe(Uri.UriSchemeHttp, preamble));
        registry.Register(new HttpHealthProbe(Uri.UriSchemeHttps, preamble));
        return registry;
    }

    /// <summary>Names of the probes registered now.</summary>
    public IReadOnlyCollection<string> Names => _probes.Keys.ToArray();

    /// <summary>Adds or replaces the probe under its <see cref="IHealthProbe.Name"/>; targets pick it up at their next check.</summary>
    public void Register(IHealthProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentException.ThrowIfNullOrWhiteSpace(probe.Name);
        _probes[probe.Name] = probe;
    }

    /// <inheritdoc />
    public bool TryGetProbe(string name, [NotNullWhen(true)] out IHealthProbe? probe) => _probes.TryGetValue(name, out probe);

    /// <summary>Disposes the registered probes that hold resources (HTTP connection pools).</summary>
    public void Dispose()
    {
        foreach (var probe in _probes.Values)
        {
            (probe as IDisposable)?.Dispose();
        }

        _probes.Clear();
    }
}
