using System.Net;
using System.Net.Sockets;
using System.Xml.Linq;
using LoadBalancer.Health.Probes;

namespace LoadBalancer.Health.Tests;

/// <summary>Health stays free of the data plane: the host hands it the PROXY header builder (<see cref="IProbePreamble"/>).</summary>
public sealed class HealthDependencyTests
{
    [Fact]
    public void HealthAssembly_ReferencesNeitherTheDataPlaneNorAspNetCore()
    {
        var references = typeof(HealthMonitor).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("Microsoft.Extensions.Logging.Abstractions", references);
        Assert.DoesNotContain(references, r => r.StartsWith("LoadBalancer.", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void HealthProject_HasNoProjectOrFrameworkReference()
    {
        // The compiled assembly only lists what its code uses; the project file shows a reference nothing uses yet.
        var project = XDocument.Load(ProjectFile());

        var projectReferences = project.Descendants("ProjectReference").Select(e => (string?)e.Attribute("Include")).ToList();
        var frameworkReferences = project.Descendants("FrameworkReference").Select(e => (string?)e.Attribute("Include")).ToList();

        Assert.Empty(projectReferences);
        Assert.Empty(frameworkReferences);
    }

    [Fact]
    public async Task TcpProbe_ProxyProtocolWithoutAHeaderBuilder_FailsWithAnError()
    {
        using var registry = HealthProbeRegistry.CreateDefault();
        Assert.True(registry.TryGetProbe("tcp", out var probe));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var target = new ProbeTarget("web", "b1", (IPEndPoint)listener.LocalEndpoint, HttpProbeSettings.Default with { ProxyProtocol = 2 });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        var result = await probe.ProbeAsync(target, cts.Token);

        Assert.False(result.Success);
        Assert.Equal(ProbeReason.Error, result.Reason);
        Assert.Contains("without a header builder", result.Detail, StringComparison.Ordinal);
    }

    private static string ProjectFile()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Health", "LoadBalancer.Health.csproj");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("src/Health/LoadBalancer.Health.csproj not found above " + AppContext.BaseDirectory);
    }
}
