using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.L7;

/// <summary>TLS certificates reload without a restart: a rewritten file or a new path is used for new connections; a broken file is a failed reload and the running certificate stays.</summary>
public sealed class CertificateReloadTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    /// <summary>A certificate and its key in one PEM file, written to a temp file and renamed over <paramref name="path"/> (one atomic change).</summary>
    private static string WriteCombinedPem(string path, X509Certificate2 certificate)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, certificate.ExportCertificatePem() + "\n" + certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        File.Move(temp, path, overwrite: true);
        return certificate.Thumbprint;
    }

    /// <summary>A new TLS connection to the front: the thumbprint of the certificate the server presented.</summary>
    private static async Task<string> PresentedThumbprintAsync(string front)
    {
        var uri = new Uri(front);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        string? seen = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            seen = certificate is null ? null : new X509Certificate2(certificate).Thumbprint;
            return true;
        });
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }).WaitAsync(Deadline);
        return seen ?? "";
    }

    private static async Task<ConfigLoadResult> NextReloadAsync(BalancerFixture f, Action change)
    {
        var done = new TaskCompletionSource<ConfigLoadResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Host.Reloaded += r => done.TrySetResult(r);
        change();
        return await done.Task.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Reload_CertificateFileRewrittenBrokenOrMoved_NewConnectionsGetTheGoodOne()
    {
        using var a = SelfSignedCertificate.Create();
        using var b = SelfSignedCertificate.Create();
        using var c = SelfSignedCertificate.Create();
        string pem = "";
        await using var f = await BalancerFixture.StartAsync(1, (config, _, dir) =>
        {
            pem = Path.Combine(dir.Path, "tls.pem");
            WriteCombinedPem(pem, a);
            config["Balancer"]!["Listeners"] = new JsonArray(new JsonObject { ["Url"] = "https://127.0.0.1:0", ["Certificate"] = new JsonObject { ["Path"] = pem } });
        });
        Assert.Equal(a.Thumbprint, await PresentedThumbprintAsync(f.Front));
        // A connection opened before the change keeps working on the old certificate.
        using var before = BalancerFixture.NewClient();
        Assert.True((await before.GetAsync(f.Front + "/")).IsSuccessStatusCode);

        // The same file rewritten: picked up by the watcher, no config change, no restart.
        var rewritten = await NextReloadAsync(f, () => WriteCombinedPem(pem, b));
        Assert.True(rewritten.IsValid, string.Join("\n", rewritten.Errors));
        await Poll.UntilAsync(async () => await PresentedThumbprintAsync(f.Front) == b.Thumbprint, Deadline, "certificate B presented");
        Assert.True((await before.GetAsync(f.Front + "/")).IsSuccessStatusCode);

        // A broken file: rejected like a bad config, naming the key and the file; B stays.
        var broken = await NextReloadAsync(f, () =>
        {
            File.WriteAllText(pem + ".tmp", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
            File.Move(pem + ".tmp", pem, overwrite: true);
        });
        Assert.False(broken.IsValid);
        Assert.Contains(broken.Errors, e => e.Path == "Balancer:Listeners:0:Certificate:Path" && e.Value == pem);
        Assert.Equal(1, f.Host.Metrics.ConfigReloads.WithLabels("failed").Value);
        Assert.Equal(b.Thumbprint, await PresentedThumbprintAsync(f.Front));

        // A reload that names another file: used for new connections.
        var other = Path.Combine(f.Dir.Path, "other.pem");
        WriteCombinedPem(other, c);
        var config = JsonNode.Parse(await File.ReadAllTextAsync(f.ConfigPath))!.AsObject();
        config["Balancer"]!["Listeners"]![0]!["Certificate"]!["Path"] = other;
        var moved = await NextReloadAsync(f, () => f.WriteConfigAsync(ConfigJson.Text(config)).GetAwaiter().GetResult());
        Assert.True(moved.IsValid, string.Join("\n", moved.Errors));
        await Poll.UntilAsync(async () => await PresentedThumbprintAsync(f.Front) == c.Thumbprint, Deadline, "certificate C presented");
        Assert.Equal(f.Front, f.Host.FrontUrls[0]);
    }
}
