using System.Net;

namespace LoadBalancer.Health.Probes;

/// <summary>
/// Builds the PROXY protocol header a probe sends first on its own connection. The host supplies it (it owns the header
/// format, in the data-plane library), so Health needs no data-plane code.
/// </summary>
public interface IProbePreamble
{
    /// <summary>The version <paramref name="version"/> (1 or 2) header for a connection from <paramref name="local"/> to <paramref name="remote"/>.</summary>
    ReadOnlyMemory<byte> Build(int version, IPEndPoint local, IPEndPoint remote);
}
