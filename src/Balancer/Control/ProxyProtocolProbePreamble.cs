using System.Net;
using LoadBalancer.Health.Probes;
using LoadBalancer.Modes.ProxyProtocol;

namespace LoadBalancer.Balancer.Control;

/// <summary>The PROXY header health probes send to backends that expect one, written by the data plane's <see cref="ProxyHeaderWriter"/>.</summary>
internal sealed class ProxyProtocolProbePreamble : IProbePreamble
{
    /// <summary>The one instance (it holds no state).</summary>
    public static ProxyProtocolProbePreamble Instance { get; } = new();

    /// <inheritdoc />
    public ReadOnlyMemory<byte> Build(int version, IPEndPoint local, IPEndPoint remote)
    {
        var header = new byte[ProxyHeaderWriter.MaxLength];
        return header.AsMemory(0, ProxyHeaderWriter.Write(header, version, local, remote));
    }
}
