using System.Security.Cryptography.X509Certificates;
using LoadBalancer.Balancer.Configuration;
using HttpsConnectionAdapterOptions = Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions;
using Microsoft.Extensions.Logging;

namespace LoadBalancer.Balancer.Hosting;

/// <summary>The TLS certificate of every https listener, swapped atomically on reload: Kestrel asks for it on every handshake, so new connections get the new certificate and open ones keep theirs.</summary>
/// <remarks>
/// A certificate is read again when its config changes (a new path, key or password) or when its certificate or key file
/// changed on disk (length or write time). The config validator has already loaded it by then, so a broken file never
/// gets here: that reload is rejected like any bad config and the running certificate stays.
/// </remarks>
internal sealed partial class ListenerCertificates
{
    private readonly ILogger _logger;
    private readonly Dictionary<int, Entry> _entries = [];

    /// <summary>Loads the certificates of <paramref name="listeners"/> (validated: failures throw, as at start before).</summary>
    public ListenerCertificates(IReadOnlyList<ListenerConfig> listeners, ILogger logger)
    {
        _logger = logger;
        for (var i = 0; i < listeners.Count; i++)
        {
            if (listeners[i].Certificate is { } config && ListenerUrl.TryParse(listeners[i].Url, out var url, out _) && url.IsHttps)
            {
                _entries[i] = new Entry(config, Stamp.Of(config), CertificateLoader.Load(config));
            }
        }
    }

    /// <summary>Certificate and key files in use (the reloader watches them).</summary>
    public IReadOnlyList<string> Files
    {
        get
        {
            lock (_entries)
            {
                return _entries.Values.SelectMany(e => new[] { e.Config.Path, e.Config.KeyPath }).OfType<string>().Where(p => p.Length > 0)
                    .Distinct(StringComparer.Ordinal).ToArray();
            }
        }
    }

    /// <summary>Kestrel options for listener <paramref name="index"/>: the certificate is read from this holder on each handshake.</summary>
    public HttpsConnectionAdapterOptions Options(int index) => new()
    {
        ServerCertificateSelector = (_, _) => Current(index),
    };

    /// <summary>The certificate listener <paramref name="index"/> presents now.</summary>
    public X509Certificate2? Current(int index)
    {
        lock (_entries)
        {
            return _entries.TryGetValue(index, out var e) ? e.Certificate : null;
        }
    }

    /// <summary>Takes the listeners of a validated config: a changed certificate config or file is loaded and swapped in; a load that fails keeps the old one (logged, false).</summary>
    public bool Update(IReadOnlyList<ListenerConfig> listeners)
    {
        var ok = true;
        for (var i = 0; i < listeners.Count; i++)
        {
            if (listeners[i].Certificate is not { } config)
            {
                continue;
            }
            Entry? current;
            lock (_entries)
            {
                // A listener added by reload is not bound until a restart; only running ones get certificates.
                if (!_entries.TryGetValue(i, out current))
                {
                    continue;
                }
            }
            var stamp = Stamp.Of(config);
            if (current.Config == config && current.Stamp == stamp)
            {
                continue;
            }
            try
            {
                var certificate = CertificateLoader.Load(config);
                lock (_entries)
                {
                    _entries[i] = new Entry(config, stamp, certificate);
                }
                LogReloaded(_logger, listeners[i].Url, config.Path, certificate.Subject, certificate.Thumbprint, certificate.NotAfter);
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or ArgumentException)
            {
                ok = false;
                LogReloadFailed(_logger, listeners[i].Url, config.Path, e.Message);
            }
        }
        return ok;
    }

    private sealed record Entry(CertificateConfig Config, Stamp Stamp, X509Certificate2 Certificate);

    /// <summary>What changes when a certificate or key file is rewritten.</summary>
    private readonly record struct Stamp(long CertLength, DateTime CertWrite, long KeyLength, DateTime KeyWrite)
    {
        public static Stamp Of(CertificateConfig c)
        {
            var cert = new FileInfo(c.Path);
            var key = c.KeyPath is { Length: > 0 } k ? new FileInfo(k) : null;
            return new Stamp(cert.Exists ? cert.Length : -1, cert.Exists ? cert.LastWriteTimeUtc : default,
                key is { Exists: true } ? key.Length : -1, key is { Exists: true } ? key.LastWriteTimeUtc : default);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS certificate of {Url} reloaded from {Path}: {Subject}, thumbprint {Thumbprint}, valid until {NotAfter:u}; new connections use it")]
    private static partial void LogReloaded(ILogger logger, string url, string path, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Error, Message = "TLS certificate of {Url} not reloaded from {Path}: {Error}; the running certificate stays")]
    private static partial void LogReloadFailed(ILogger logger, string url, string path, string error);
}
