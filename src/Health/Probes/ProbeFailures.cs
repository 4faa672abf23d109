using System.Globalization;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;

namespace LoadBalancer.Health.Probes;

/// <summary>Maps exceptions from sockets and HttpClient to a <see cref="ProbeResult"/> so probes never throw for network failures.</summary>
internal static class ProbeFailures
{
    /// <summary>Classifies <paramref name="ex"/>; a cancelled <paramref name="ct"/> means the probe's deadline passed.</summary>
    public static ProbeResult Classify(Exception ex, CancellationToken ct, TimeSpan elapsed)
    {
        if (ex is OperationCanceledException && ct.IsCancellationRequested)
        {
            return ProbeResult.Fail(ProbeReason.Timeout, TimedOut(elapsed), elapsed);
        }

        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException se:
                    return FromSocketError(se.SocketErrorCode, elapsed);
                case AuthenticationException ae:
                    return ProbeResult.Fail(ProbeReason.TlsError, "tls: " + ae.Message, elapsed);
                case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } he:
                    return ProbeResult.Fail(ProbeReason.TlsError, "tls: " + he.Message, elapsed);
                case TimeoutException:
                    return ProbeResult.Fail(ProbeReason.Timeout, TimedOut(elapsed), elapsed);
            }
        }

        return ProbeResult.Fail(ProbeReason.Error, ex.GetType().Name + ": " + ex.Message, elapsed);
    }

    private static ProbeResult FromSocketError(SocketError error, TimeSpan elapsed) => error switch
    {
        SocketError.ConnectionRefused => ProbeResult.Fail(ProbeReason.Refused, "connection refused", elapsed),
        SocketError.TimedOut => ProbeResult.Fail(ProbeReason.Timeout, TimedOut(elapsed), elapsed),
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown
            => ProbeResult.Fail(ProbeReason.Unreachable, "unreachable: " + error, elapsed),
        _ => ProbeResult.Fail(ProbeReason.Error, "socket: " + error, elapsed),
    };

    private static string TimedOut(TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"no answer after {elapsed.TotalMilliseconds:0} ms");
}
