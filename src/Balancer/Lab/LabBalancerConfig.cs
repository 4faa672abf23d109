using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoadBalancer.Balancer.Lab;

/// <summary>
/// The balancer config a one-balancer lab is made for: the shipped <c>configs/l4-MODE.json</c> service <c>web</c> on
/// the IPv4 VIP and, with IPv6 in the lab, a service <c>web6</c> of the same shape on the IPv6 VIP (IPv6 backends,
/// full-NAT66 source, tunnel source), each with its own health pool.
/// </summary>
public static class LabBalancerConfig
{
    /// <summary>The service name on the IPv4 VIP (as in the shipped configs).</summary>
    public const string Service = "web";

    /// <summary>The service name on the IPv6 VIP.</summary>
    public const string Service6 = "web6";

    /// <summary>Builds the config text for the layout's mode and family.</summary>
    public static string Build(LabLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var options = layout.Options;
        var services = new JsonObject();
        var pools = new JsonObject();
        if (options.HasIpv4)
        {
            services[Service] = ServiceNode(layout, layout.Vip, b => b.Address, layout.FullNatSource, tunnelSource: null);
            pools[Service] = Pool(dataPath: options.Mode == LabMode.Dsr);
        }

        if (options.HasIpv6)
        {
            services[Service6] = ServiceNode(layout, layout.Vip6, b => b.Address6, layout.FullNatSource6, layout.Balancer.Address6);
            // The IPv6 tunnel's data path (IPv6-in-IPv6 to a decapsulator) is probed like DSR's.
            pools[Service6] = Pool(dataPath: options.Mode is LabMode.Dsr or LabMode.Tunnel);
        }

        var root = new JsonObject
        {
            ["Balancer"] = new JsonObject { ["Admin"] = new JsonObject { ["Url"] = "http://127.0.0.1:9100" } },
            ["L4"] = new JsonObject
            {
                ["Interface"] = LabLayout.InterfaceName,
                ["ConnectionTable"] = new JsonObject { ["Capacity"] = 262144, ["WhenFull"] = "EvictOldestIdle", ["SynTimeout"] = "10s" },
                ["Services"] = services,
            },
            ["Health"] = new JsonObject { ["Pools"] = pools },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static JsonObject ServiceNode(LabLayout layout, IPAddress vip, Func<LabNode, IPAddress> address, IPAddress fullNatSource, IPAddress? tunnelSource)
    {
        var mode = layout.Options.Mode;
        var service = new JsonObject
        {
            ["Vip"] = vip.ToString(),
            ["Port"] = layout.Options.HttpPort,
            ["Protocol"] = "tcp",
            ["Mode"] = ModeName(mode),
            ["Selector"] = "maglev",
            ["NonSynMiss"] = "ReselectViaHash",
        };
        if (mode == LabMode.FullNat)
        {
            service["FullNatSources"] = new JsonArray(fullNatSource.ToString());
        }

        if (mode == LabMode.Tunnel && tunnelSource is not null)
        {
            // The outer IPv6 source has no interface-address default the way IPv4's has: name the balancer's own.
            service["TunnelSource"] = tunnelSource.ToString();
        }

        var backends = new JsonObject();
        foreach (var backend in layout.Backends)
        {
            backends[backend.Name] = new JsonObject { ["Address"] = address(backend).ToString(), ["Weight"] = 1 };
        }

        service["Backends"] = backends;
        return service;
    }

    private static JsonObject Pool(bool dataPath) => new()
    {
        ["Check"] = new JsonObject
        {
            // DSR and tunnel backends own the VIP, so only a probe through the data path shows the balancer can reach them.
            ["Probe"] = dataPath ? "datapath" : "tcp",
            ["Interval"] = "1s",
            ["FastInterval"] = "200ms",
            ["Timeout"] = "500ms",
            ["Rise"] = 2,
            ["Fall"] = 3,
        },
    };

    private static string ModeName(LabMode mode) => mode switch
    {
        LabMode.Nat => "nat",
        LabMode.FullNat => "fullnat",
        LabMode.Tunnel => "tunnel",
        _ => "dsr",
    };
}
