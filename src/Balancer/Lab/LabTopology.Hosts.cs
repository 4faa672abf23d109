using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Lab;

// How each host of a lab is wired and configured.
public sealed partial class LabTopology
{
    // The hosts on the bridge: with a router the client sits behind it instead.
    private IEnumerable<LabNode> Hosts() =>
        (Layout.Router is { } router ? [router] : new[] { Layout.Client }).Concat(Layout.Balancers).Concat(Layout.Backends);

    private void Wire(LabNode node)
    {
        string sw = Layout.SwitchNamespace;
        ProcessRunner.RunChecked(
            "ip", "link", "add", LabLayout.InterfaceName, "netns", node.Namespace, "type", "veth", "peer", "name", node.Name, "netns", sw);
        Ip(node.Namespace, "link", "set", LabLayout.InterfaceName, "address", node.Mac);
        DisableOffloads(node.Namespace, LabLayout.InterfaceName);
        DisableOffloads(sw, node.Name);
        Ip(sw, "link", "set", node.Name, "master", LabLayout.BridgeName);
        Ip(sw, "link", "set", node.Name, "up");
        Ip(node.Namespace, "link", "set", LabLayout.InterfaceName, "up");
    }

    private void ConfigureClient()
    {
        if (Options.HasIpv6)
        {
            ConfigureClient6();
        }

        if (!Options.HasIpv4)
        {
            return;
        }

        var c = Layout.Client;
        Ip(c.Namespace, "addr", "add", $"{c.Address}/24", "dev", LabLayout.InterfaceName);
        Ip(c.Namespace, "route", "add", LabLayout.ServerSubnet, "dev", LabLayout.InterfaceName);
    }

    private void ConfigureBalancer()
    {
        var lb = Layout.Balancer;
        if (Options.HasIpv6)
        {
            ConfigureBalancer6(lb, clientSide: true);
        }

        if (!Options.HasIpv4)
        {
            return;
        }

        Ip(lb.Namespace, "addr", "add", $"{lb.Address}/24", "dev", LabLayout.InterfaceName);
        Ip(lb.Namespace, "addr", "add", $"{Layout.BalancerClientSideAddress}/24", "dev", LabLayout.InterfaceName);

        // With forwarding on, the kernel would also route un-rewritten NAT replies to the client.
        Sysctl(lb.Namespace, "net.ipv4.ip_forward", "0");
    }

    private void ConfigureBackend(LabNode backend)
    {
        string ns = backend.Namespace;
        if (Options.HasIpv6)
        {
            ConfigureBackend6(backend);
        }

        if (!Options.HasIpv4)
        {
            return;
        }

        Ip(ns, "addr", "add", $"{backend.Address}/24", "dev", LabLayout.InterfaceName);
        if (Options.Mode == LabMode.Nat)
        {
            Ip(ns, "route", "add", "default", "via", Layout.Balancer.Address.ToString());
        }
        else if (Options.Mode == LabMode.Tunnel)
        {
            // The client's segments gain a 20-byte outer header on the way in, and the SYN-ACK that sets their size
            // goes straight back: only the backend can advertise the smaller MSS (1500 - 20 - 40).
            Ip(ns, ["route", "add", LabLayout.ClientSubnet, .. ToClient(), "advmss", "1440"]);
        }
        else
        {
            Ip(ns, ["route", "add", LabLayout.ClientSubnet, .. ToClient()]);
        }

        if (Options.Mode is LabMode.Dsr or LabMode.Tunnel)
        {
            Ip(ns, "addr", "add", $"{Layout.Vip}/32", "dev", "lo");
            Sysctl(ns, "net.ipv4.conf.all.arp_ignore", "1");
            Sysctl(ns, "net.ipv4.conf.all.arp_announce", "2");
            Sysctl(ns, "net.ipv4.conf.all.rp_filter", "0");
            Sysctl(ns, $"net.ipv4.conf.{LabLayout.InterfaceName}.rp_filter", "0");
        }
    }

    // Behind a router the client net is reached through it; otherwise it shares the bridge.
    private string[] ToClient() =>
        Layout.Router is { } router ? ["via", router.Address.ToString(), "dev", LabLayout.InterfaceName] : ["dev", LabLayout.InterfaceName];

    private LabProcess StartWebServer(LabNode backend, LabWebServer server)
    {
        var root = Path.Combine(WorkDirectory, backend.Name);
        WriteWebRoot(root, backend.Name);
        var args = server.Arguments(Options.HasIpv6 ? LabWebServer.AllAddresses6 : LabWebServer.AllAddresses, Options.HttpPort, root);
        int pid = LabProcesses.Start(backend.Namespace, args, Path.Combine(WorkDirectory, $"{backend.Name}-http.log"));
        return new LabProcess(backend.Namespace, pid, $"{server.Name} {backend.Name}", server.CommandWord);
    }

    private LabProcess? StartTunnelEndpoint(LabNode backend)
    {
        string ns = backend.Namespace;

        // The kernel decapsulates only if it has the module of every family the lab carries (ipip for IPv4, ip6_tunnel
        // for IPv6); otherwise `balancer decap` takes both (tunl0 stays down, so the kernel does not decapsulate too).
        if ((!Options.HasIpv4 || BackendSetupPlan.KernelHasIpip) && (!Options.HasIpv6 || BackendSetupPlan.KernelHasIp6Tunnel))
        {
            if (Options.HasIpv4)
            {
                Ip(ns, "link", "set", "tunl0", "up");
                Sysctl(ns, "net.ipv4.conf.tunl0.rp_filter", "0");
            }

            if (Options.HasIpv6)
            {
                Ip(ns, "link", "set", "ip6tnl0", "up");
            }

            return null;
        }

        if (!Options.StartDecap)
        {
            _log.WriteLine($"{backend.Name}: no ipip/ip6_tunnel module for this lab's families; start `balancer decap` in {ns} yourself");
            return null;
        }

        var self = Options.SelfCommand ?? LabProcesses.SelfCommand();
        int pid = LabProcesses.Start(ns, [.. self, "decap", "--stats-interval", "0"], Path.Combine(WorkDirectory, $"{backend.Name}-decap.log"));
        return new LabProcess(ns, pid, $"decap {backend.Name}", "decap");
    }

    private static void Ip(string ns, params string[] args) => ProcessRunner.RunChecked("ip", ["-n", ns, .. args]);

    private static void Sysctl(string ns, string key, string value) =>
        ProcessRunner.RunChecked("ip", "netns", "exec", ns, "sysctl", "-q", "-w", $"{key}={value}");

    private static void DisableOffloads(string ns, string device)
    {
        // veth has some fixed features, so ethtool may exit non-zero after switching off the ones it can.
        ProcessRunner.Run("ip", ["netns", "exec", ns, "ethtool", "-K", device, "tx", "off", "tso", "off", "gso", "off", "gro", "off"]);
    }
}
