using System.Diagnostics;
using System.Net.Sockets;

namespace LoadBalancer.Health.Probes;

/// <summary>Passes when a TCP connect to the backend completes (keepalived TCP_CHECK); the connection is closed at once.</summary>
/// <param name="preamble">Builds the PROXY header for backends that expect one; without it such probes fail with an error.</param>
internal sealed class TcpHealthProbe(IProbePreamble? preamble = null) : IHealthProbe
{
    /// <inheritdoc />
    public string Name => "tcp";

    /// <inheritdoc />
    public async ValueTask<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var socket = new Socket(target.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.NoDelay = true;
            await socket.ConnectAsync(target.EndPoint, ct).ConfigureAwait(false);
            if (target.Http.ProxyProtocol != 0)
            {
                await ProxyProtocolProbeConnection.SendHeaderAsync(socket, preamble, target.Http.ProxyProtocol, ct).ConfigureAwait(false);
            }

            // Linger 0 sends RST on close so thousands of probes leave no TIME_WAIT sockets behind on the balancer.
            socket.LingerState = new LingerOption(true, 0);
            return ProbeResult.Ok("connected", Stopwatch.GetElapsedTime(start));
        }
        catch (Exception ex)
        {
            return ProbeFailures.Classify(ex, ct, Stopwatch.GetElapsedTime(start));
        }
    }
}
