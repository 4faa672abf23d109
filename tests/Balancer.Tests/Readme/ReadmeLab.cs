using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Tests.Readme;

/// <summary>
/// Guards a README block that builds the lab with its default name <c>lblab</c>: skips when one already exists (it is
/// someone else's), and afterwards removes whatever of it is left (<c>lab down</c>, then any <c>lblab-*</c> namespace).
/// </summary>
public sealed class ReadmeLab : IDisposable
{
    private ReadmeLab()
    {
    }

    /// <summary>Skips the test unless root with the lab's tools and no lab called lblab; then returns the guard.</summary>
    public static ReadmeLab Acquire()
    {
        SkipUnlessLabCanRun();
        var existing = Namespaces();
        Skip.If(existing.Count > 0, $"a lab named {LabOptions.DefaultPrefix} exists already ({string.Join(' ', existing)}); not touching it");
        return new ReadmeLab();
    }

    /// <summary>Skips the test unless it runs as root with what a lab and an L4 balancer need.</summary>
    public static void SkipUnlessLabCanRun()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: the lab creates network namespaces");
        foreach (var tool in new[] { "ip", "curl", "ethtool", "sha256sum" })
        {
            Skip.If(LabWebServer.FindOnPath(tool) is null, $"needs {tool} (bash tests/run.sh installs it)");
        }
        Skip.If(LabWebServer.Detect() is null, LabWebServer.MissingMessage);
        Skip.IfNot(ProcessRunner.Run("ldconfig", ["-p"]).StdOut.Contains("libpcap.so.0.8", StringComparison.Ordinal), "needs libpcap0.8");
    }

    /// <summary>The namespaces of the default lab that exist now.</summary>
    public static IReadOnlyList<string> Namespaces() =>
        ProcessRunner.Run("ip", ["netns", "list"]).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0])
            .Where(n => n.StartsWith(LabOptions.DefaultPrefix + "-", StringComparison.Ordinal))
            .ToList();

    /// <summary>Safety net: whatever the block left behind (none existed before it ran) is removed.</summary>
    public void Dispose()
    {
        if (Namespaces().Count == 0)
        {
            return;
        }
        ProcessRunner.Run("dotnet", [BalancerProcess.DllPath, "lab", "down"]);
        foreach (var ns in Namespaces())
        {
            ProcessRunner.Run("ip", ["netns", "del", ns]);
        }
    }
}
