using System.Globalization;
using System.Reflection;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Lab;

// The router in front of several balancers: its links, forwarding settings and the BIRD daemons on both sides.
public sealed partial class LabTopology
{
    private const string RouterConfigResource = "bird-router.conf";
    private const string BalancerConfigResource = "bird-balancer.conf";

    /// <summary>The control socket of the BIRD running in <paramref name="node"/>'s namespace (router or balancer), for <c>birdc -s</c>.</summary>
    public string BirdSocket(LabNode node) => Path.Combine(WorkDirectory, $"bird-{node.Name}.ctl");

    private static string? BirdPath => LabWebServer.FindOnPath("bird");

    private void ConfigureRouterAndClient(LabNode router)
    {
        var c = Layout.Client;
        // The client's own link to the router, so everything it sends to the VIP goes through the router's ECMP route.
        ProcessRunner.RunChecked(
            "ip", "link", "add", LabLayout.InterfaceName, "netns", c.Namespace, "type", "veth",
            "peer", "name", LabLayout.RouterClientInterface, "netns", router.Namespace);
        Ip(c.Namespace, "link", "set", LabLayout.InterfaceName, "address", c.Mac);
        DisableOffloads(c.Namespace, LabLayout.InterfaceName);
        DisableOffloads(router.Namespace, LabLayout.RouterClientInterface);
        Ip(c.Namespace, "link", "set", LabLayout.InterfaceName, "up");
        Ip(router.Namespace, "link", "set", LabLayout.RouterClientInterface, "up");
        if (Options.HasIpv4)
        {
            ConfigureRouter4(router);
        }

        if (Options.HasIpv6)
        {
            ConfigureRouter6(router);
        }
    }

    private void ConfigureRouter4(LabNode router)
    {
        var c = Layout.Client;
        Ip(c.Namespace, "addr", "add", $"{c.Address}/24", "dev", LabLayout.InterfaceName);
        Ip(c.Namespace, "route", "add", "default", "via", Layout.RouterClientSideAddress.ToString());
        Ip(router.Namespace, "addr", "add", $"{router.Address}/24", "dev", LabLayout.InterfaceName);
        Ip(router.Namespace, "addr", "add", $"{Layout.RouterClientSideAddress}/24", "dev", LabLayout.RouterClientInterface);
        Sysctl(router.Namespace, "net.ipv4.ip_forward", "1");
        // Hash on the 5-tuple (not only the addresses), so flows of one client spread over the balancers.
        Sysctl(router.Namespace, "net.ipv4.fib_multipath_hash_policy", "1");
        Sysctl(router.Namespace, "net.ipv4.conf.all.rp_filter", "0");
        Sysctl(router.Namespace, "net.ipv4.conf.all.send_redirects", "0");
        Sysctl(router.Namespace, $"net.ipv4.conf.{LabLayout.InterfaceName}.send_redirects", "0");
    }

    private void ConfigureBalancerBehindRouter(LabNode lb)
    {
        if (Options.HasIpv4)
        {
            Ip(lb.Namespace, "addr", "add", $"{lb.Address}/24", "dev", LabLayout.InterfaceName);
            Sysctl(lb.Namespace, "net.ipv4.ip_forward", "0");
        }

        if (Options.HasIpv6)
        {
            ConfigureBalancer6(lb, clientSide: false);
        }
    }

    private List<LabProcess> StartBirds(LabNode router)
    {
        var bird = BirdPath ?? throw new InvalidOperationException(MissingBird);
        var processes = new List<LabProcess>();
        var values = new Dictionary<string, string>
        {
            ["ROUTER_ID"] = router.Address.ToString(),
            ["ROUTER_ADDRESS"] = router.Address.ToString(),
            ["INTERFACE"] = LabLayout.InterfaceName,
            ["BALANCER_NET"] = LabLayout.ServerSubnet,
            ["TABLE"] = Options.AnnounceTable.ToString(CultureInfo.InvariantCulture),
            ["ROUTER_ADDRESS6"] = router.Address6.ToString(),
            ["BALANCER_NET6"] = LabLayout.ServerSubnet6,
        };
        processes.Add(StartBird(bird, router, Fill(RouterConfigResource, values, Options.Family)));
        foreach (var lb in Layout.Balancers)
        {
            values["ADDRESS"] = lb.Address.ToString();
            values["ADDRESS6"] = lb.Address6.ToString();
            processes.Add(StartBird(bird, lb, Fill(BalancerConfigResource, values, Options.Family)));
        }

        return processes;
    }

    private LabProcess StartBird(string bird, LabNode node, string config)
    {
        var configPath = Path.Combine(WorkDirectory, $"bird-{node.Name}.conf");
        File.WriteAllText(configPath, config);
        int pid = LabProcesses.Start(
            node.Namespace, [bird, "-f", "-c", configPath, "-s", BirdSocket(node)], Path.Combine(WorkDirectory, $"bird-{node.Name}.log"));
        return new LabProcess(node.Namespace, pid, $"bird {node.Name}", "bird");
    }

    /// <summary>Waits until the router has an established BGP session with every balancer's BIRD, one per family of the lab.</summary>
    private void WaitForBgp(LabNode router)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        int established = 0;
        int wanted = Layout.Balancers.Count * (Options.Family == LabFamily.Dual ? 2 : 1);
        while (DateTime.UtcNow < deadline)
        {
            var result = ProcessRunner.Run("birdc", ["-s", BirdSocket(router), "show", "protocols"]);
            // Dynamic neighbours: lb1, lb2... over IPv4, lb6x1, lb6x2... over IPv6.
            established = result.StdOut.Split('\n').Count(l => l.StartsWith("lb", StringComparison.Ordinal) && l.Contains("Established", StringComparison.Ordinal));
            if (established >= wanted)
            {
                return;
            }

            Thread.Sleep(100);
        }

        throw new InvalidOperationException($"the router's BIRD has {established} of {wanted} BGP sessions after 30 s (see {WorkDirectory}/bird-*.log)");
    }

    /// <summary>
    /// The BIRD config of a resource for a lab: <c>@NAME@</c> replaced by its value, and the blocks between a
    /// <c># [ipv4]</c> or <c># [ipv6]</c> line and the next <c># [end]</c> line kept only when the lab has that family.
    /// </summary>
    internal static string Fill(string resource, IReadOnlyDictionary<string, string> values, LabFamily family)
    {
        var kept = new System.Text.StringBuilder();
        bool keep = true;
        foreach (var line in Fill(resource, values).Split('\n'))
        {
            switch (line.Trim())
            {
                case "# [ipv4]":
                    keep = family != LabFamily.Ipv6;
                    continue;
                case "# [ipv6]":
                    keep = family != LabFamily.Ipv4;
                    continue;
                case "# [end]":
                    keep = true;
                    continue;
            }

            if (keep)
            {
                kept.Append(line).Append('\n');
            }
        }

        return kept.ToString().TrimEnd('\n') + "\n";
    }

    private static string Fill(string resource, IReadOnlyDictionary<string, string> values)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"resource {resource} is missing from the build");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        foreach (var (key, value) in values)
        {
            text = text.Replace($"@{key}@", value, StringComparison.Ordinal);
        }

        return text;
    }

    private const string MissingBird = "--balancers needs BIRD 2 (the bird and birdc commands): apt-get install -y bird2";
}
