using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>Loads a TLS certificate from a PEM pair or a PFX file.</summary>
public static class CertificateLoader
{
    /// <summary>Loads the certificate with its private key; throws <see cref="CryptographicException"/> or an IO exception when it cannot.</summary>
    public static X509Certificate2 Load(CertificateConfig config)
    {
        var ext = Path.GetExtension(config.Path).ToLowerInvariant();
        if (ext is ".pfx" or ".p12")
        {
            return X509CertificateLoader.LoadPkcs12FromFile(config.Path, config.Password);
        }
        var cert = config.Password is null
            ? X509Certificate2.CreateFromPemFile(config.Path, config.KeyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(config.Path, config.Password, config.KeyPath);
        if (!cert.HasPrivateKey)
        {
            throw new CryptographicException("the certificate has no private key (set KeyPath to the PEM key file)");
        }
        // Kestrel on Linux needs the key in an exportable form; re-import through PKCS#12 once.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}
