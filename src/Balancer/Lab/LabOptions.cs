namespace LoadBalancer.Balancer.Lab;

/// <summary>What <c>balancer lab up</c> builds.</summary>
/// <param name="Prefix">Start of every namespace name (<c>{Prefix}-c</c>, <c>-lb</c>, <c>-b1</c>..., <c>-sw</c>); letters and digits, at most 12.</param>
/// <param name="Backends">Number of backend namespaces (1 to 50).</param>
/// <param name="Mode">The forwarding mode the backends are prepared for.</param>
public sealed record LabOptions(string Prefix = LabOptions.DefaultPrefix, int Backends = 2, LabMode Mode = LabMode.Dsr)
{
    /// <summary>The prefix used when none is given.</summary>
    public const string DefaultPrefix = "lblab";

    /// <summary>Where the state file (namespaces, PIDs) and the backends' web roots live.</summary>
    public string StateDirectory { get; init; } = "/run/lbw-lab";

    /// <summary>
    /// How to start this program (e.g. <c>["/usr/bin/balancer"]</c> or <c>["dotnet", "balancer.dll"]</c>), used to run
    /// <c>balancer decap</c> in tunnel-mode backends when the kernel has no ipip module; null derives it from the current process.
    /// </summary>
    public IReadOnlyList<string>? SelfCommand { get; init; }

    /// <summary>Whether tunnel mode starts a <c>balancer decap</c> process per backend when the kernel lacks ipip.</summary>
    public bool StartDecap { get; init; } = true;

    /// <summary>Most balancers behind the router.</summary>
    public const int MaxBalancers = 8;

    /// <summary>
    /// Number of balancer namespaces: 1 (the plain lab) or 2 to <see cref="MaxBalancers"/>, which puts a router
    /// running BIRD in front of them (ECMP over the balancers' BGP announcements) and the client behind the router.
    /// </summary>
    public int Balancers { get; init; } = 1;

    /// <summary>The kernel table the balancers' BIRD learns VIP routes from (the balancers' <c>L4:Announce:Table</c>).</summary>
    public int AnnounceTable { get; init; } = 200;

    /// <summary>Which families the nodes get addresses in; IPv6 and dual add the ULA addresses of <see cref="LabLayout"/>.</summary>
    public LabFamily Family { get; init; } = LabFamily.Ipv4;

    /// <summary>True when the nodes get IPv4 addresses.</summary>
    public bool HasIpv4 => Family != LabFamily.Ipv6;

    /// <summary>True when the nodes get IPv6 addresses.</summary>
    public bool HasIpv6 => Family != LabFamily.Ipv4;

    /// <summary>TCP port the backends' web servers listen on.</summary>
    public int HttpPort { get; init; } = 80;
}
