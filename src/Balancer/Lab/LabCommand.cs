using System.CommandLine;

namespace LoadBalancer.Balancer.Lab;

/// <summary>The <c>balancer lab up|down|status</c> command: a namespace test network on one machine.</summary>
public static class LabCommand
{
    /// <summary>Creates the command with its three subcommands.</summary>
    public static Command Create()
    {
        var lab = new Command(
            "lab",
            "Build, inspect or remove a test network of network namespaces on this machine: a client, a balancer and N "
            + "backends on one bridge (server net 10.200.0.0/24: balancer .2, backends .11.., VIP .100; client 10.200.1.1). "
            + "The root namespace is not touched.");
        lab.Subcommands.Add(CreateUp());
        lab.Subcommands.Add(CreateDown());
        lab.Subcommands.Add(CreateStatus());
        return lab;
    }

    private static Option<string> NameOption() => new("--name")
    {
        Description = "prefix of every namespace of the lab (namespaces are PREFIX-c, -lb, -b1.., -sw)",
        DefaultValueFactory = _ => LabOptions.DefaultPrefix,
    };

    private static Command CreateUp()
    {
        var name = NameOption();
        var backends = new Option<int>("--backends")
        {
            Description = "number of backend namespaces, each running a web server that answers with its name",
            DefaultValueFactory = _ => 2,
        };
        var mode = new Option<LabMode>("--mode")
        {
            Description = "forwarding mode to prepare the backends for: nat, fullnat, tunnel or dsr",
            DefaultValueFactory = _ => LabMode.Dsr,
        };
        var balancers = new Option<int>("--balancers")
        {
            Description = "number of balancer namespaces; 2 or more puts a router running BIRD in front of them (ECMP over "
                + "their BGP announcements of the VIP; of the VIP6 over IPv6 sessions with --family 6|dual) with the client behind it "
                + "(dsr, tunnel and fullnat only)",
            DefaultValueFactory = _ => 1,
        };
        var family = new Option<string>("--family")
        {
            Description = "address families of the nodes: 4 (default), 6 (IPv6 only: ULA fd00:200::/64 server net, fd00:201::/64 "
                + "client net, VIP fd00:200::100) or dual (both; the written balancer config has a service per family)",
            DefaultValueFactory = _ => "4",
        };
        family.AcceptOnlyFromAmong("4", "6", "dual");
        var up = new Command("up", "Create the lab's namespaces, links, addresses and backend web servers.") { name, backends, mode, balancers, family };
        up.SetAction(parseResult => Guard(() =>
        {
            var options = new LabOptions(parseResult.GetValue(name)!, parseResult.GetValue(backends), parseResult.GetValue(mode))
            {
                Balancers = parseResult.GetValue(balancers),
                Family = ParseFamily(parseResult.GetValue(family)),
            };
            var topology = new LabTopology(options, Console.Out);
            topology.Up();
            PrintLayout(topology.Layout, Console.Out);
            if (topology.Layout.Router is null)
            {
                Console.Out.WriteLine($"  balancer config for this lab: {topology.BalancerConfigFile}");
            }

            return 0;
        }));
        return up;
    }

    /// <summary>Maps the <c>--family</c> value (4, 6 or dual) to a <see cref="LabFamily"/>.</summary>
    public static LabFamily ParseFamily(string? value) => value switch
    {
        "6" => LabFamily.Ipv6,
        "dual" => LabFamily.Dual,
        _ => LabFamily.Ipv4,
    };

    private static Command CreateDown()
    {
        var name = NameOption();
        var down = new Command("down", "Stop the lab's processes and delete its namespaces.") { name };
        down.SetAction(parseResult => Guard(() =>
        {
            var removed = new LabTopology(new LabOptions(parseResult.GetValue(name)!)).Down();
            Console.Out.WriteLine(removed.Count == 0 ? "nothing to remove" : string.Join('\n', removed.Select(r => $"removed {r}")));
            return 0;
        }));
        return down;
    }

    private static Command CreateStatus()
    {
        var name = NameOption();
        var status = new Command("status", "List what exists of the lab; exit 1 if nothing does.") { name };
        status.SetAction(parseResult => Guard(() =>
        {
            var topology = new LabTopology(new LabOptions(parseResult.GetValue(name)!));
            var result = topology.Status();
            var output = Console.Out;
            if (!result.AnythingExists)
            {
                output.WriteLine($"lab {result.Prefix}: nothing exists");
                return 1;
            }

            output.WriteLine($"lab {result.Prefix}: mode {result.State?.Mode.ToString().ToLowerInvariant() ?? "unknown (no state file)"}, web server {result.State?.WebServer ?? "unknown"}");
            foreach (var (ns, exists) in result.Namespaces)
            {
                output.WriteLine($"  namespace {ns,-20} {(exists ? "present" : "MISSING")}");
            }

            foreach (var (process, running) in result.Processes)
            {
                output.WriteLine($"  process {process.Pid,-8} {process.What,-28} in {process.Namespace,-16} {(running ? "running" : "NOT RUNNING")}");
            }

            foreach (var (ns, addresses) in result.Listening)
            {
                output.WriteLine($"  listening in {ns,-16} {(addresses.Count == 0 ? "nothing (no TCP listener)" : string.Join(' ', addresses))}");
            }

            if (result.State is { Family: not LabFamily.Ipv4 })
            {
                foreach (var (ns, _) in result.Namespaces.Where(n => n.Exists))
                {
                    var addresses = LabTopology.Ipv6Addresses(ns);
                    output.WriteLine($"  ipv6 in {ns,-16} {(addresses.Count == 0 ? "none" : string.Join(' ', addresses))}");
                }
            }

            return 0;
        }));
        return status;
    }

    private static void PrintLayout(LabLayout layout, TextWriter output)
    {
        if (!layout.Options.HasIpv4)
        {
            // IPv6 only: the IPv4 columns below would name addresses no node has.
            foreach (var node in new[] { layout.Client, layout.Balancer }.Concat(layout.Backends))
            {
                output.WriteLine($"  {node.Name,-8} {node.Namespace,-16} {node.Address6,-16} {node.Mac}");
            }

            PrintIpv6(layout, output);
            return;
        }

        output.WriteLine($"  client   {layout.Client.Namespace,-16} {layout.Client.Address,-12} {layout.Client.Mac}");
        if (layout.Router is { } router)
        {
            output.WriteLine($"  router   {router.Namespace,-16} {router.Address,-12} {router.Mac} (also {layout.RouterClientSideAddress} towards the client; BIRD, ECMP)");
            for (int i = 0; i < layout.Balancers.Count; i++)
            {
                var lb = layout.Balancers[i];
                output.WriteLine($"  balancer {lb.Namespace,-16} {lb.Address,-12} {lb.Mac} (BIRD; full-NAT source {LabLayout.FullNatSourceOf(i + 1)}; VIP {layout.Vip})");
            }
        }
        else
        {
            output.WriteLine($"  balancer {layout.Balancer.Namespace,-16} {layout.Balancer.Address,-12} {layout.Balancer.Mac} (also {layout.BalancerClientSideAddress}; VIP {layout.Vip})");
        }

        foreach (var b in layout.Backends)
        {
            output.WriteLine($"  backend  {b.Namespace,-16} {b.Address,-12} {b.Mac}");
        }

        if (layout.Options.HasIpv6)
        {
            PrintIpv6(layout, output);
        }

        output.WriteLine($"  try: ip netns exec {layout.Client.Namespace} curl http://{layout.Vip}/   (once a balancer runs in {layout.Balancer.Namespace})");
    }

    private static void PrintIpv6(LabLayout layout, TextWriter output)
    {
        output.WriteLine($"  ipv6: client {layout.Client.Address6}, "
            + (layout.Router is { } r6 ? $"router {r6.Address6} and {layout.RouterClientSideAddress6}, balancers {string.Join(' ', layout.Balancers.Select(b => b.Address6))}"
                : $"balancer {layout.Balancer.Address6} and {layout.ClientSideAddress6} (full-NAT66 source {layout.FullNatSource6})")
            + $", backends {string.Join(' ', layout.Backends.Select(b => b.Address6))}, VIP6 {layout.Vip6}");
        output.WriteLine($"  try: ip netns exec {layout.Client.Namespace} curl http://[{layout.Vip6}]/   (once a balancer runs in {layout.Balancer.Namespace})");
    }

    private static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"lab: {ex.Message}");
            return 1;
        }
    }
}
