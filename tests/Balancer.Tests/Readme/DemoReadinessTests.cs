using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.Readme;

/// <summary>The demo is ready when it says so: the first requests after its banner are answered by its backends, in turn.</summary>
[Collection(ReadmeCollection.Name)]
public sealed class DemoReadinessTests
{
    [SkippableFact]
    public async Task Banner_ThenSixRequestsAtOnce_AlphaBetaGammaTwice()
    {
        Skip.If(LabWebServer.FindOnPath("curl") is null, "needs curl");
        // As root the demo gets a namespace of its own, so its fixed ports 8080 and 9100 cannot clash with anything.
        using var ns = NetworkNamespace.IsRoot ? ReadmeNamespace.Create("r") : null;
        using var demo = ShellProcess.Start($"exec dotnet {BalancerProcess.DllPath}\n", ns?.Name);
        await demo.WaitForLineAsync(l => l.StartsWith("LoadBalancer demo:", StringComparison.Ordinal), TimeSpan.FromMinutes(1));

        // One curl, six requests, right after the banner's first line.
        var url = "http://127.0.0.1:8080/";
        var (code, output) = await ShellProcess.RunAsync(
            $"curl -s -w '%{{http_code}}\\n' {url} {url} {url} {url} {url} {url}\n", TimeSpan.FromSeconds(30), ns?.Name);

        Assert.True(code == 0, $"curl exit {code}: {output}\ndemo:\n{demo.Output}");
        Assert.Equal("alpha\n200\nbeta\n200\ngamma\n200\nalpha\n200\nbeta\n200\ngamma\n200\n", output);
        Assert.DoesNotContain("No available destinations", demo.Output, StringComparison.Ordinal);
    }
}
