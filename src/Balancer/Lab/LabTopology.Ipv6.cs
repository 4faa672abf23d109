namespace LoadBalancer.Balancer.Lab;

// The IPv6 half of each host's configuration (lab up --family 6|dual): the IPv4 plan again in ULA /64s.
// Addresses are added with nodad: duplicate address detection would hold them tentative (unusable) for a second or
// two, and on a lab bridge whose addresses are all planned there is nothing to detect.
public sealed partial class LabTopology
{
    private static string Prefix64(System.Net.IPAddress address) => $"{address}/64";

    private void ConfigureClient6()
    {
        var c = Layout.Client;
        Ip(c.Namespace, "-6", "addr", "add", Prefix64(c.Address6), "dev", LabLayout.InterfaceName, "nodad");
        Ip(c.Namespace, "-6", "route", "add", LabLayout.ServerSubnet6, "dev", LabLayout.InterfaceName);
    }

    private void ConfigureBalancer6(LabNode lb, bool clientSide)
    {
        Ip(lb.Namespace, "-6", "addr", "add", Prefix64(lb.Address6), "dev", LabLayout.InterfaceName, "nodad");
        if (clientSide)
        {
            Ip(lb.Namespace, "-6", "addr", "add", Prefix64(Layout.ClientSideAddress6), "dev", LabLayout.InterfaceName, "nodad");
        }

        // As for IPv4: a forwarding balancer would also route un-rewritten NAT66 replies to the client.
        Sysctl(lb.Namespace, "net.ipv6.conf.all.forwarding", "0");
    }

    private void ConfigureBackend6(LabNode backend)
    {
        string ns = backend.Namespace;
        Ip(ns, "-6", "addr", "add", Prefix64(backend.Address6), "dev", LabLayout.InterfaceName, "nodad");
        if (Options.Mode == LabMode.Nat)
        {
            Ip(ns, "-6", "route", "add", "default", "via", Layout.Balancer.Address6.ToString());
        }
        else if (Options.Mode == LabMode.Tunnel)
        {
            // IPv6-in-IPv6 adds 40 bytes: 1500 - 40 (outer) - 40 (IPv6) - 20 (TCP).
            Ip(ns, ["-6", "route", "add", LabLayout.ClientSubnet6, .. ToClient6(), "advmss", "1400"]);
        }
        else
        {
            Ip(ns, ["-6", "route", "add", LabLayout.ClientSubnet6, .. ToClient6()]);
        }

        if (Options.Mode is LabMode.Dsr or LabMode.Tunnel)
        {
            // Linux answers neighbour solicitations only for addresses of the receiving interface, so the VIP on lo
            // needs no arp_ignore counterpart; addresses on lo skip duplicate address detection.
            Ip(ns, "-6", "addr", "add", $"{Layout.Vip6}/128", "dev", "lo");
        }
    }

    private void ConfigureRouter6(LabNode router)
    {
        Ip(router.Namespace, "-6", "addr", "add", Prefix64(router.Address6), "dev", LabLayout.InterfaceName, "nodad");
        Ip(router.Namespace, "-6", "addr", "add", Prefix64(Layout.RouterClientSideAddress6), "dev", LabLayout.RouterClientInterface, "nodad");
        Sysctl(router.Namespace, "net.ipv6.conf.all.forwarding", "1");
        Sysctl(router.Namespace, "net.ipv6.fib_multipath_hash_policy", "1");
        var c = Layout.Client;
        Ip(c.Namespace, "-6", "addr", "add", Prefix64(c.Address6), "dev", LabLayout.InterfaceName, "nodad");
        Ip(c.Namespace, "-6", "route", "add", "default", "via", Layout.RouterClientSideAddress6.ToString());
    }

    private string[] ToClient6() =>
        Layout.Router is { } router ? ["via", router.Address6.ToString(), "dev", LabLayout.InterfaceName] : ["dev", LabLayout.InterfaceName];

    /// <summary>The URL of a backend's web server that the lab checks: IPv4 when the lab has it, else IPv6.</summary>
    private string BackendUrl(LabNode backend) =>
        Options.HasIpv4 ? $"http://{backend.Address}:{Options.HttpPort}/" : $"http://[{backend.Address6}]:{Options.HttpPort}/";
}
