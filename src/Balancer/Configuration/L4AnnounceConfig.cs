namespace LoadBalancer.Balancer.Configuration;

/// <summary>
/// VIP announcement (config <c>L4:Announce</c>): while a service can take new flows and the node is not drained, the
/// balancer keeps a /32 route for its VIP in a kernel routing table of its own, through a TUN device it holds open; a
/// routing daemon (BIRD's <c>kernel</c> protocol with <c>learn</c>) exports those routes to the router by BGP.
/// </summary>
/// <remarks>
/// The routes point at a TUN device that lives only as long as the balancer's process: if the process dies (even by
/// SIGKILL) the kernel deletes the device and every route through it, so the router stops sending to a dead balancer
/// without a timer. The table is never used for lookups (no <c>ip rule</c> points at it), so the routes change nothing
/// else on the machine, and without BIRD they are inert.
/// </remarks>
public sealed record L4AnnounceConfig
{
    /// <summary>Smallest and largest kernel table id accepted (253-255 are the kernel's default, main and local tables).</summary>
    public const int MinTable = 1, MaxTable = 252;

    /// <summary>The route protocol number the balancer's routes carry (BIRD learns routes that are not its own or the kernel's).</summary>
    public const int RouteProtocol = 250;

    /// <summary>Announce every service's VIP (a service's own <c>Announce</c> overrides it).</summary>
    public bool Enabled { get; init; }

    /// <summary>The kernel routing table the routes go into (what BIRD's <c>kernel table</c> names).</summary>
    public int Table { get; set; } = 200;

    /// <summary>Name of the TUN device the routes point at.</summary>
    public string Device { get; set; } = "lbvip0";
}
