using System.Net;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Contenders;

/// <summary>One thing traffic is sent through: started and stopped by the harness, with its own config files.</summary>
internal abstract class Contender
{
    /// <summary>Short name used in tables, plots and --contenders.</summary>
    public abstract string Name { get; }

    /// <summary>Unmeasured warm-up this contender needs at least (a .NET process tiers its JIT up over tens of seconds of load).</summary>
    public virtual TimeSpan MinimumWarmup => TimeSpan.Zero;

    /// <summary>How the backends route replies while this contender runs.</summary>
    public virtual RouteMode Routes => RouteMode.OnLink;

    /// <summary>Whether the UDP packet workload applies (L4 modes, kernel DNAT and direct).</summary>
    public virtual bool Udp => false;

    /// <summary>Whether the reliability rows (cold start, overload) apply: L4 NAT modes and kernel DNAT.</summary>
    public virtual bool Reliability => false;

    /// <summary>About how long a start takes (for the time estimate).</summary>
    public virtual double StartSeconds => 1;

    /// <summary>Whether it runs in the router lab (balancers behind a BIRD router) instead of the one-balancer lab.</summary>
    public virtual bool NeedsRouter => false;

    /// <summary>Whether the contender's CPU is the machine's softirq time rather than a process's.</summary>
    public virtual bool CpuIsSoftIrq => false;

    /// <summary>Whether it runs over IPv6 (its name says so: <see cref="ContenderFamily"/>).</summary>
    public bool Ipv6 => ContenderFamily.IsIpv6(Name);

    /// <summary>The base URL the client sends HTTP to.</summary>
    public abstract string HttpBase(BenchLab lab);

    /// <summary>Where the client sends UDP.</summary>
    public virtual IPEndPoint UdpTarget(BenchLab lab) => new(lab.VipOf(Ipv6), BenchLab.UdpPort);

    /// <summary>Processes whose CPU is the contender's (with their descendants).</summary>
    public abstract IReadOnlyList<int> Pids { get; }

    /// <summary>Starts it and waits until it forwards.</summary>
    public abstract void Start(BenchLab lab);

    /// <summary>Stops it and undoes every change it made.</summary>
    public abstract void Stop(BenchLab lab);

    /// <summary>Directory for this contender's files.</summary>
    protected string Dir(BenchLab lab)
    {
        var dir = Path.Combine(lab.WorkDir, Name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Waits until a GET of the small path through this contender answers 200 from the client namespace.</summary>
    protected void WaitServing(BenchLab lab, NsProcess? process)
    {
        var url = HttpBase(lab) + BenchLab.SmallPath;
        bool Ok() => Shell.Run("ip", ["netns", "exec", lab.Layout.Client.Namespace, "curl", "-sg", "-m", "1", "-o", "/dev/null", "-w", "%{http_code}", url]).StdOut == "200";
        if (process is not null)
        {
            process.WaitReady(Ok, TimeSpan.FromSeconds(30));
            return;
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!Ok())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name}: {url} does not answer");
            }

            Thread.Sleep(100);
        }
    }
}
