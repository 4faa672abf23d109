using System.Globalization;
using System.Net;
using LoadBalancer.Health.Probes;

namespace LoadBalancer.Health;

/// <summary>How one pool's backends are checked; defaults follow HAProxy (2 to rise, 3 to fall).</summary>
public sealed record HealthCheckOptions
{
    /// <summary>Probe name: "tcp", "http", "https" or "datapath".</summary>
    public string Probe { get; set; } = "tcp";

    /// <summary>Time between checks of a backend whose state is settled.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Deadline of one check.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Consecutive passes to become Healthy.</summary>
    public int Rise { get; set; } = 2;

    /// <summary>Consecutive failures to become Unhealthy.</summary>
    public int Fall { get; set; } = 3;

    /// <summary>Each delay is spread uniformly over ±Jitter of itself (0 to 0.5) so checks of many backends do not fire together.</summary>
    public double Jitter { get; set; } = 0.1;

    /// <summary>Time between checks while a state change is pending (state Unknown, or the streak disagrees with the state); null uses <see cref="Interval"/>.</summary>
    public TimeSpan? FastInterval { get; init; }

    /// <summary>Port to probe instead of the backend's own port.</summary>
    public int? Port { get; init; }

    /// <summary>HTTP request path.</summary>
    public string Path { get; set; } = "/";

    /// <summary>HTTP Host header (and TLS server name); null means the backend address.</summary>
    public string? Host { get; init; }

    /// <summary>Healthy status codes, "200-399" or "200".</summary>
    public string ExpectedStatus { get; set; } = "200-399";

    /// <summary>Text the HTTP body must contain; null skips the body.</summary>
    public string? BodyContains { get; init; }

    /// <summary>HTTP version: "1.1" or "2".</summary>
    public string HttpVersion { get; set; } = "1.1";

    /// <summary>HTTPS: accept any certificate (self-signed backends).</summary>
    public bool InsecureSkipVerify { get; init; }

    /// <summary>"v1" or "v2": send a PROXY protocol header (the probe's own addresses) first on each tcp/http/https probe connection, for backends that expect one; null sends none.</summary>
    public string? ProxyProtocol { get; init; }

    /// <summary>Returns every problem at once, each naming the key under <paramref name="keyPath"/>, e.g. "Health:Interval: '0s' must be > 0".</summary>
    public IEnumerable<string> Validate(string keyPath)
    {
        var errors = new List<string>();
        void Error(string key, string value, string problem) => errors.Add($"{keyPath}:{key}: '{value}' {problem}");

        if (!HealthProbeRegistry.KnownNames.Contains(Probe, StringComparer.OrdinalIgnoreCase))
        {
            Error(nameof(Probe), Probe, "is not a probe; use one of " + string.Join(", ", HealthProbeRegistry.KnownNames));
        }

        if (Interval <= TimeSpan.Zero)
        {
            Error(nameof(Interval), DurationText.Format(Interval), "must be > 0");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            Error(nameof(Timeout), DurationText.Format(Timeout), "must be > 0");
        }

        if (FastInterval is { } fast && fast <= TimeSpan.Zero)
        {
            Error(nameof(FastInterval), DurationText.Format(fast), "must be > 0");
        }

        if (Rise < 1)
        {
            Error(nameof(Rise), Rise.ToString(CultureInfo.InvariantCulture), "must be >= 1");
        }

        if (Fall < 1)
        {
            Error(nameof(Fall), Fall.ToString(CultureInfo.InvariantCulture), "must be >= 1");
        }

        if (double.IsNaN(Jitter) || Jitter < 0 || Jitter > 0.5)
        {
            Error(nameof(Jitter), Jitter.ToString(CultureInfo.InvariantCulture), "must be between 0 and 0.5");
        }

        if (Port is { } port && (port < 1 || port > 65535))
        {
            Error(nameof(Port), port.ToString(CultureInfo.InvariantCulture), "must be 1-65535");
        }

        if (string.IsNullOrEmpty(Path) || Path[0] != '/')
        {
            Error(nameof(Path), Path ?? string.Empty, "must start with '/'");
        }

        if (Host is not null && Uri.CheckHostName(HostWithoutPort(Host)) == UriHostNameType.Unknown)
        {
            Error(nameof(Host), Host, "is not a host name");
        }

        if (!StatusCodeRange.TryParse(ExpectedStatus, out _))
        {
            Error(nameof(ExpectedStatus), ExpectedStatus ?? string.Empty, "must be a status or range of 100-599, e.g. '200-399'");
        }

        if (ParseVersion(HttpVersion) is null)
        {
            Error(nameof(HttpVersion), HttpVersion ?? string.Empty, "must be '1.1' or '2'");
        }

        if (ProxyProtocol is not null && ParseProxyProtocol(ProxyProtocol) == 0)
        {
            Error(nameof(ProxyProtocol), ProxyProtocol, "must be 'v1' or 'v2' (leave it out to send no PROXY header)");
        }

        if (BodyContains is { Length: 0 })
        {
            Error(nameof(BodyContains), BodyContains, "must not be empty (leave it out to skip the body)");
        }

        return errors;
    }

    /// <summary>Builds the HTTP probe settings; call only on validated options.</summary>
    internal HttpProbeSettings ToHttpSettings()
    {
        StatusCodeRange.TryParse(ExpectedStatus, out var range);
        return new HttpProbeSettings(Path, Host, range, BodyContains, ParseVersion(HttpVersion) ?? System.Net.HttpVersion.Version11, InsecureSkipVerify,
            ParseProxyProtocol(ProxyProtocol));
    }

    private static int ParseProxyProtocol(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "v1" => 1,
        "v2" => 2,
        _ => 0,
    };

    private static Version? ParseVersion(string? text) => text switch
    {
        "1.1" => System.Net.HttpVersion.Version11,
        "2" or "2.0" => System.Net.HttpVersion.Version20,
        _ => null,
    };

    private static string HostWithoutPort(string host)
    {
        // "example.com:8443" is a valid Host header; "[::1]:80" keeps its brackets off for the check.
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']', StringComparison.Ordinal);
            return end > 0 ? host[1..end] : host;
        }

        var colon = host.LastIndexOf(':');
        return colon > 0 && host.IndexOf(':', StringComparison.Ordinal) == colon ? host[..colon] : host;
    }
}
