using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;

namespace LoadBalancer.Health.Probes;

/// <summary>HTTP or HTTPS GET: passes when the status is in range and, if configured, the body contains the expected text.</summary>
internal sealed class HttpHealthProbe : IHealthProbe, IDisposable
{
    // A health page is small; reading more would let one broken backend make the monitor buffer megabytes.
    private const int MaxBodyBytes = 64 * 1024;

    private readonly string _scheme;
    private readonly IProbePreamble? _preamble;
    private readonly HttpMessageInvoker _verifying;

    // Separate handler (and so separate connection pool) for backends that skip certificate checks,
    // so a connection accepted without validation is never reused for a request that asked for validation.
    private readonly HttpMessageInvoker _insecure;

    // Backends that expect a PROXY header get handlers of their own (by version and certificate checking), created on first use.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(int Version, bool Insecure), HttpMessageInvoker> _proxied = new();

    /// <summary>Creates the probe for "http" or "https"; <paramref name="preamble"/> builds the PROXY header for backends that expect one.</summary>
    public HttpHealthProbe(string scheme, IProbePreamble? preamble = null)
    {
        _scheme = scheme;
        _preamble = preamble;
        _verifying = new HttpMessageInvoker(CreateHandler(insecure: false), disposeHandler: true);
        _insecure = scheme == Uri.UriSchemeHttps ? new HttpMessageInvoker(CreateHandler(insecure: true), disposeHandler: true) : _verifying;
    }

    /// <inheritdoc />
    public string Name => _scheme;

    /// <inheritdoc />
    public async ValueTask<ProbeResult> ProbeAsync(ProbeTarget target, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var http = target.Http;
        try
        {
            var uri = new UriBuilder(_scheme, target.EndPoint.Address.ToString(), target.EndPoint.Port).Uri;
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(uri, http.Path))
            {
                Version = http.Version,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            if (http.Host is not null)
            {
                // SocketsHttpHandler also uses the Host header as the TLS server name, so SNI and validation follow it.
                request.Headers.Host = http.Host;
            }

            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("LoadBalancer-HealthCheck", "1"));
            if (http.Version.Major == 1)
            {
                // Like HAProxy's http-check: each probe proves the backend still accepts new connections.
                request.Headers.ConnectionClose = true;
            }

            var invoker = http.ProxyProtocol == 0 ? (http.InsecureSkipVerify ? _insecure : _verifying)
                : _proxied.GetOrAdd((http.ProxyProtocol, http.InsecureSkipVerify), static (k, preamble) =>
                {
                    var handler = CreateHandler(k.Insecure);
                    handler.ConnectCallback = ProxyProtocolProbeConnection.ConnectCallback(preamble, k.Version);
                    return new HttpMessageInvoker(handler, disposeHandler: true);
                }, _preamble);
            using var response = await invoker.SendAsync(request, ct).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var statusText = "status " + status.ToString(CultureInfo.InvariantCulture);
            if (!http.ExpectedStatus.Contains(status))
            {
                return ProbeResult.Fail(ProbeReason.BadStatus, statusText, Stopwatch.GetElapsedTime(start));
            }

            if (http.BodyContains is { } expected)
            {
                var body = await ReadBodyAsync(response.Content, ct).ConfigureAwait(false);
                if (!body.Contains(expected, StringComparison.Ordinal))
                {
                    return ProbeResult.Fail(ProbeReason.BodyMismatch, statusText + ", body lacks '" + expected + "'", Stopwatch.GetElapsedTime(start));
                }
            }

            return ProbeResult.Ok(statusText, Stopwatch.GetElapsedTime(start));
        }
        catch (Exception ex)
        {
            return ProbeFailures.Classify(ex, ct, Stopwatch.GetElapsedTime(start));
        }
    }

    /// <summary>Closes both connection pools.</summary>
    public void Dispose()
    {
        _verifying.Dispose();
        _insecure.Dispose();
        foreach (var invoker in _proxied.Values)
        {
            invoker.Dispose();
        }
    }

    private static async Task<string> ReadBodyAsync(HttpContent content, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new byte[MaxBodyBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return Encoding.UTF8.GetString(buffer, 0, total);
    }

    private static SocketsHttpHandler CreateHandler(bool insecure)
    {
        var handler = new SocketsHttpHandler
        {
            // Short lifetimes: DNS/cert changes are picked up and HTTP/2 connections do not pin a dead backend for long.
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(10),
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,

            // The caller's token is the deadline; the handler must not add one of its own.
            ConnectTimeout = Timeout.InfiniteTimeSpan,
        };
        if (insecure)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }

        return handler;
    }
}
