using System.Text.Json;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Lab;
using LoadBalancer.Bench.Infra;
using LoadBalancer.Modes.Forwarding;

namespace LoadBalancer.Bench.Contenders;

/// <summary>Our L4 engine (`balancer run` with an L4 section) in one forwarding mode, owning the VIP (the VIP6 for an IPv6 variant).</summary>
/// <param name="name">Contender name, e.g. l4-nat, l4-nat-w2 or l4-nat6.</param>
/// <param name="variant">Mode and the engine settings the name asks for (only those are written to the config).</param>
internal sealed class BalancerL4Contender(string name, L4Variant variant) : ProcessContender
{

    /// <summary>The full-NAT source address (on the server net, answered by the engine).</summary>
    public const string FullNatSource = "10.200.0.3";

    /// <inheritdoc/>
    public override string Name => name;

    /// <inheritdoc/>
    public override bool Udp => true;

    /// <inheritdoc/>
    /// <remarks>The cold-start and overload rows send IPv4 (the SYN flood spoofs IPv4 sources), so IPv4 only.</remarks>
    public override bool Reliability => variant.Kind == ForwardingModeKind.Nat && !variant.Ipv6;

    /// <inheritdoc/>
    /// <remarks>Slower than the other contenders: a .NET process starts and opens its capture first.</remarks>
    public override double StartSeconds => 4;

    /// <inheritdoc/>
    public override RouteMode Routes => variant.Kind switch
    {
        ForwardingModeKind.Nat => RouteMode.ViaBalancer,
        ForwardingModeKind.Tunnel => RouteMode.Tunnel,
        _ => RouteMode.OnLink,
    };

    /// <inheritdoc/>
    public override string HttpBase(BenchLab lab) => BenchLab.HttpBaseOf(lab.VipOf(variant.Ipv6));

    /// <inheritdoc/>
    protected override string[] Prepare(BenchLab lab, string dir)
    {
        var path = Path.Combine(dir, "balancer.json");
        var fullNatSource = variant.Ipv6 ? lab.Layout.FullNatSource6.ToString() : FullNatSource;
        File.WriteAllText(path, Config(lab, variant, fullNatSource, announce: false).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return ["dotnet", lab.BalancerDll, "run", "--config", path];
    }

    /// <summary>
    /// The config of an L4 contender: a TCP service on the HTTP port and a UDP service on the UDP port, every backend
    /// of the lab, the engine settings <paramref name="variant"/> asks for; with <paramref name="announce"/> the VIP
    /// is announced for BIRD (L4:Announce, table of the lab) and a flow the router moves is re-selected by hash.
    /// An IPv6 variant's services are on the VIP6 with the backends' IPv6 addresses, as the service <c>web6</c> that
    /// <c>lab up --family 6</c> writes (full-NAT66 source; for the tunnel the balancer's own IPv6 address as outer source).
    /// </summary>
    internal static JsonObject Config(BenchLab lab, L4Variant variant, string fullNatSource, bool announce)
    {
        JsonObject Service(int port, string protocol)
        {
            var backends = new JsonObject();
            foreach (var b in lab.Layout.Backends)
            {
                backends[b.Name] = new JsonObject { ["Address"] = BenchLab.AddressOf(b, variant.Ipv6).ToString() };
            }

            var s = new JsonObject
            {
                ["Vip"] = lab.VipOf(variant.Ipv6).ToString(),
                ["Port"] = port,
                ["Protocol"] = protocol,
                ["Mode"] = variant.Mode,
                ["Backends"] = backends,
            };
            if (variant.Kind == ForwardingModeKind.FullNat)
            {
                s["FullNatSources"] = new JsonArray(fullNatSource);
            }

            if (variant.Kind == ForwardingModeKind.Tunnel && variant.Ipv6)
            {
                // IPv6 has no interface-address default for the outer source the way IPv4 has.
                s["TunnelSource"] = lab.Layout.Balancer.Address6.ToString();
            }

            if (announce)
            {
                s["NonSynMiss"] = "ReselectViaHash";
            }

            return s;
        }

        var config = new JsonObject
        {
            ["Balancer"] = new JsonObject { ["Admin"] = new JsonObject { ["Url"] = "http://127.0.0.1:9100" } },
            ["L4"] = new JsonObject
            {
                ["Interface"] = LabLayout.InterfaceName,
                ["Services"] = new JsonObject { ["web"] = Service(BenchLab.HttpPort, "tcp"), ["udp"] = Service(BenchLab.UdpPort, "udp") },
            },
        };
        if (announce)
        {
            config["L4"]!["Announce"] = new JsonObject { ["Enabled"] = true, ["Table"] = lab.Topology.Options.AnnounceTable };
        }

        if (variant.Workers is { } workers)
        {
            config["L4"]!["Workers"] = workers;
        }

        var io = new JsonObject();
        if (variant.Transmit is { } transmit)
        {
            io["Transmit"] = transmit;
        }

        if (variant.QdiscBypass is { } bypass)
        {
            io["QdiscBypass"] = bypass;
        }

        if (variant.BatchSize is { } batch)
        {
            io["BatchSize"] = batch;
        }

        if (io.Count > 0)
        {
            config["L4"]!["Io"] = io;
        }

        return config;
    }
}
