using System.Net;

namespace LoadBalancer.Balancer.Lab;

/// <summary>
/// Names and addresses of a lab, computed from its options alone (so tests and the benchmark harness can find
/// every piece without reading the state file).
/// </summary>
/// <remarks>
/// One bridge <c>br0</c> in the <c>{prefix}-sw</c> namespace joins every host; the root namespace is not touched.
/// Two subnets share that segment: the server net 10.200.0.0/24 (balancer .2, backends .11 upwards, VIP .100) and
/// the client net 10.200.1.0/24 (client .1, balancer .2). The client reaches the server net on-link, so it ARPs
/// for the VIP directly. Keeping the client in its own subnet lets NAT-mode backends send replies through the
/// balancer (their default route) instead of straight to the client.
/// With several balancers (<see cref="LabOptions.Balancers"/> &gt;= 2) the client is not on the bridge: it sits behind
/// a router namespace <c>{prefix}-r</c> (10.200.1.254 on a link of its own to the client, 10.200.0.1 on the bridge)
/// that learns the VIP from every balancer by BGP and spreads flows over them by ECMP; balancer i is <c>{prefix}-lbI</c>
/// at 10.200.0.(200+i) with full-NAT source 10.200.0.(220+i), and backends reach the client net via the router.
/// With IPv6 (<see cref="LabOptions.Family"/> 6 or dual) the same plan repeats in ULA /64s: server net fd00:200::/64
/// (balancer ::2, backends ::11 upwards, VIP ::100, full-NAT source ::3, router ::1, balancer i ::20i, its full-NAT
/// source ::22i) and client net fd00:201::/64 (client ::1, balancer ::2, router ::254); the last group of each
/// address reads like the IPv4 host number.
/// </remarks>
public sealed record LabLayout(
    LabOptions Options,
    string SwitchNamespace,
    LabNode Client,
    LabNode Balancer,
    IReadOnlyList<LabNode> Backends,
    IPAddress Vip,
    IPAddress BalancerClientSideAddress)
{
    /// <summary>The interface name every host uses.</summary>
    public const string InterfaceName = "eth0";

    /// <summary>The bridge in the switch namespace.</summary>
    public const string BridgeName = "br0";

    /// <summary>The server subnet (balancer, backends, VIP).</summary>
    public const string ServerSubnet = "10.200.0.0/24";

    /// <summary>The client subnet.</summary>
    public const string ClientSubnet = "10.200.1.0/24";

    /// <summary>The IPv6 server subnet (balancer, backends, VIP6).</summary>
    public const string ServerSubnet6 = "fd00:200::/64";

    /// <summary>The IPv6 client subnet.</summary>
    public const string ClientSubnet6 = "fd00:201::/64";

    /// <summary>The router's interface towards the client (several balancers only).</summary>
    public const string RouterClientInterface = "eth1";

    /// <summary>Every balancer: one, or 2 and more behind <see cref="Router"/>.</summary>
    public IReadOnlyList<LabNode> Balancers { get; init; } = [Balancer];

    /// <summary>The router in front of several balancers (its bridge side), or null for the one-balancer lab.</summary>
    public LabNode? Router { get; init; }

    /// <summary>The router's address on the client's link.</summary>
    public IPAddress RouterClientSideAddress { get; } = IPAddress.Parse("10.200.1.254");

    /// <summary>Balancer i's (1-based) own full-NAT source address in a lab with a router.</summary>
    public static IPAddress FullNatSourceOf(int balancer) => IPAddress.Parse($"10.200.0.{220 + balancer}");

    /// <summary>The IPv6 VIP.</summary>
    public IPAddress Vip6 { get; } = Server6(100);

    /// <summary>The full-NAT source address of the one balancer (IPv4).</summary>
    public IPAddress FullNatSource { get; } = IPAddress.Parse("10.200.0.3");

    /// <summary>The full-NAT66 source address of the one balancer.</summary>
    public IPAddress FullNatSource6 { get; } = Server6(3);

    /// <summary>The balancer's (or the router's, with several balancers) IPv6 address on the client net.</summary>
    public IPAddress ClientSideAddress6 => Router is null ? Client6(2) : Client6(254);

    /// <summary>The router's IPv6 address on the client's link.</summary>
    public IPAddress RouterClientSideAddress6 { get; } = Client6(254);

    /// <summary>Balancer i's (1-based) own full-NAT66 source address in a lab with a router.</summary>
    public static IPAddress FullNatSourceOf6(int balancer) => Server6(220 + balancer);

    /// <summary>The lab's IPv6 server-net address whose last group reads like IPv4 host number <paramref name="host"/>.</summary>
    public static IPAddress Server6(int host) => IPAddress.Parse($"fd00:200::{host}");

    /// <summary>The lab's IPv6 client-net address whose last group reads like IPv4 host number <paramref name="host"/>.</summary>
    public static IPAddress Client6(int host) => IPAddress.Parse($"fd00:201::{host}");

    /// <summary>Every namespace of the lab, switch last so hosts' veth ends go first on teardown.</summary>
    public IEnumerable<string> Namespaces =>
        new[] { Client.Namespace }.Concat(Balancers.Select(b => b.Namespace)).Concat(Backends.Select(b => b.Namespace))
            .Concat(Router is null ? [] : [Router.Namespace]).Append(SwitchNamespace);

    /// <summary>Computes the layout for the given options.</summary>
    public static LabLayout For(LabOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string p = options.Prefix;
        var backends = Enumerable.Range(1, options.Backends)
            .Select(i => new LabNode($"b{i}", $"{p}-b{i}", IPAddress.Parse($"10.200.0.{10 + i}"), Mac(10 + i)) { Address6 = Server6(10 + i) })
            .ToList();
        var client = new LabNode("c", $"{p}-c", IPAddress.Parse("10.200.1.1"), Mac(1)) { Address6 = Client6(1) };
        var vip = IPAddress.Parse("10.200.0.100");
        if (options.Balancers <= 1)
        {
            return new LabLayout(
                options, $"{p}-sw", client, new LabNode("lb", $"{p}-lb", IPAddress.Parse("10.200.0.2"), Mac(2)) { Address6 = Server6(2) }, backends, vip, IPAddress.Parse("10.200.1.2"));
        }

        var balancers = Enumerable.Range(1, options.Balancers)
            .Select(i => new LabNode($"lb{i}", $"{p}-lb{i}", IPAddress.Parse($"10.200.0.{200 + i}"), Mac(200 + i)) { Address6 = Server6(200 + i) })
            .ToList();
        return new LabLayout(options, $"{p}-sw", client, balancers[0], backends, vip, IPAddress.Parse("10.200.1.254"))
        {
            Balancers = balancers,
            Router = new LabNode("r", $"{p}-r", IPAddress.Parse("10.200.0.1"), Mac(254)) { Address6 = Server6(1) },
        };
    }

    // Locally administered (02:...) and distinct per host.
    private static string Mac(int host) => $"02:4c:42:00:00:{host:x2}";
}
