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

    /// <summary>Every namespace of the lab, switch last so hosts' veth ends go first on teardown.</summary>
    public IEnumerable<string> Namespaces =>
        new[] { Client.Namespace, Balancer.Namespace }.Concat(Backends.Select(b => b.Namespace)).Append(SwitchNamespace);

    /// <summary>Computes the layout for the given options.</summary>
    public static LabLayout For(LabOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string p = options.Prefix;
        var backends = Enumerable.Range(1, options.Backends)
            .Select(i => new LabNode($"b{i}", $"{p}-b{i}", IPAddress.Parse($"10.200.0.{10 + i}"), Mac(10 + i)))
            .ToList();
        return new LabLayout(
            options,
            $"{p}-sw",
            new LabNode("c", $"{p}-c", IPAddress.Parse("10.200.1.1"), Mac(1)),
            new LabNode("lb", $"{p}-lb", IPAddress.Parse("10.200.0.2"), Mac(2)),
            backends,
            IPAddress.Parse("10.200.0.100"),
            IPAddress.Parse("10.200.1.2"));
    }

    // Locally administered (02:...) and distinct per host.
    private static string Mac(int host) => $"02:4c:42:00:00:{host:x2}";
}
