namespace LoadBalancer.Health.Probes;

/// <summary>Parsed settings of an HTTP(S) probe.</summary>
/// <param name="Path">Request path and query, starting with '/'.</param>
/// <param name="Host">Host header (and TLS server name); null means the backend address.</param>
/// <param name="ExpectedStatus">Status codes that count as healthy.</param>
/// <param name="BodyContains">Text the body must contain (ordinal); null means the body is not read.</param>
/// <param name="Version">HTTP version to speak: 1.1 or 2.0 (exact, so HTTP/2 over cleartext uses prior knowledge).</param>
/// <param name="InsecureSkipVerify">Accept any server certificate (self-signed backends).</param>
/// <param name="ProxyProtocol">PROXY protocol version (1 or 2) to send first on each probe connection, 0 for none; the tcp probe uses it too.</param>
public sealed record HttpProbeSettings(
    string Path,
    string? Host,
    StatusCodeRange ExpectedStatus,
    string? BodyContains,
    Version Version,
    bool InsecureSkipVerify,
    int ProxyProtocol = 0)
{
    /// <summary>GET / expecting 200-399 over HTTP/1.1 with certificate validation on.</summary>
    public static HttpProbeSettings Default { get; } = new("/", null, new StatusCodeRange(200, 399), null, System.Net.HttpVersion.Version11, false);
}
