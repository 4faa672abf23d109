using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LoadBalancer.Balancer.Tests.TestSupport;

/// <summary>Makes a self-signed certificate for 127.0.0.1/localhost and writes it as PEM (cert + key) or PFX.</summary>
public static class SelfSignedCertificate
{
    public static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    public static (string CertPath, string KeyPath) WritePem(TempDir dir)
    {
        using var cert = Create();
        var certPath = dir.File("tls.crt", cert.ExportCertificatePem());
        var keyPath = dir.File("tls.key", cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    public static string WritePfx(TempDir dir, string password)
    {
        using var cert = Create();
        var path = Path.Combine(dir.Path, "tls.pfx");
        File.WriteAllBytes(path, cert.Export(X509ContentType.Pfx, password));
        return path;
    }
}
