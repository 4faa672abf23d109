using LoadBalancer.Bench.Contenders;

namespace LoadBalancer.Bench.Infra;

/// <summary>
/// The labs of one run: the one-balancer lab most contenders use, and the router lab (client behind a BIRD router,
/// several balancer namespaces) of the contenders that run behind it. Each is built only when a contender needs it;
/// both have the same backends (count, nginx config, files) and the client runs the same workloads.
/// </summary>
internal sealed class BenchLabs : IDisposable
{
    /// <summary>Suffix of the router lab's prefix (<c>lbb123r-r</c> is its router).</summary>
    public const string RouterSuffix = "r";

    private BenchLabs(BenchLab? main, BenchLab? router)
    {
        Main = main;
        Router = router;
    }

    /// <summary>The one-balancer lab, or null when no contender needs it.</summary>
    public BenchLab? Main { get; }

    /// <summary>The router lab, or null when no contender runs behind the router.</summary>
    public BenchLab? Router { get; }

    /// <summary>Prepares (does not build) the labs the contenders need.</summary>
    public static BenchLabs For(IReadOnlyList<Contender> contenders, string prefix, int backends, string workDir, string balancerDll, TextWriter log)
    {
        var behindRouter = contenders.OfType<RouterL4Contender>().ToList();
        // Dual-stack only when an IPv6 contender runs: an IPv4-only run keeps the lab it always had.
        bool ipv6 = contenders.Any(c => ContenderFamily.IsIpv6(c.Name));
        var main = contenders.Any(c => !c.NeedsRouter) ? new BenchLab(prefix, backends, workDir, balancerDll, log, ipv6: ipv6) : null;
        var router = behindRouter.Count > 0
            ? new BenchLab(prefix + RouterSuffix, backends, Path.Combine(workDir, "router-lab"), balancerDll, log, Math.Max(2, behindRouter.Max(c => c.Balancers)))
            : null;
        return new BenchLabs(main, router);
    }

    /// <summary>The lab <paramref name="c"/> runs in.</summary>
    public BenchLab LabOf(Contender c) =>
        (c.NeedsRouter ? Router : Main) ?? throw new InvalidOperationException($"no lab was built for {c.Name}");

    /// <summary>Builds every prepared lab.</summary>
    public void Up()
    {
        Main?.Up();
        Router?.Up();
    }

    /// <summary>Removes every lab (also one that was only partly built).</summary>
    public void Dispose()
    {
        try
        {
            Main?.Dispose();
        }
        finally
        {
            Router?.Dispose();
        }
    }
}
