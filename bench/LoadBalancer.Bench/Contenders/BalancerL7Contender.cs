using System.Text.Json;
using System.Text.Json.Nodes;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Contenders;

/// <summary>Our L7 front (`balancer run` with listeners and a YARP ReverseProxy section), round robin over the backends.</summary>
/// <remarks>Variants measure each throughput setting on its own: inline socket completions, no trace-header propagation, the HTTP/1.1 fast path off, runtime settings and published builds (<see cref="L7Variant"/>).</remarks>
internal sealed class BalancerL7Contender(string name = "l7", bool? inline = null, bool? propagate = null, L7Variant? variant = null, bool? fastPath = null, bool? ownSockets = null) : ProcessContender
{
    /// <inheritdoc/>
    public override string Name => name;

    /// <summary>Access log on (JSON lines to a file in the contender's directory): its cost against plain <c>l7</c>.</summary>
    public bool AccessLog { get; init; }

    /// <inheritdoc/>
    /// <remarks>Tiered PGO reaches steady state after about 30 s of load (26k req/s then, 11k in the first 6 s, measured here).</remarks>
    public override TimeSpan MinimumWarmup => TimeSpan.FromSeconds(30);

    /// <inheritdoc/>
    public override double StartSeconds => 3;

    /// <inheritdoc/>
    public override string HttpBase(BenchLab lab) => $"http://{lab.ProxyAddress}:{BenchLab.HttpPort}";

    /// <inheritdoc/>
    protected override string[] Prepare(BenchLab lab, string dir)
    {
        var destinations = new JsonObject();
        foreach (var b in lab.Layout.Backends)
        {
            destinations[b.Name] = new JsonObject { ["Address"] = $"http://{b.Address}:{BenchLab.HttpPort}/" };
        }

        var config = new JsonObject
        {
            ["Balancer"] = new JsonObject
            {
                ["Listeners"] = new JsonArray(new JsonObject { ["Url"] = HttpBase(lab) }),
                ["Admin"] = new JsonObject { ["Url"] = "http://127.0.0.1:9100" },
            },
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = new JsonObject { ["all"] = new JsonObject { ["ClusterId"] = "web", ["Match"] = new JsonObject { ["Path"] = "{**catch-all}" } } },
                // Passive health on, as in configs/l7.json; metrics and X-Forwarded-* are always on.
                ["Clusters"] = new JsonObject
                {
                    ["web"] = new JsonObject
                    {
                        ["LoadBalancingPolicy"] = "RoundRobin",
                        ["HealthCheck"] = new JsonObject { ["Passive"] = new JsonObject { ["Enabled"] = true, ["Policy"] = "TransportFailureRate", ["ReactivationPeriod"] = "00:00:30" } },
                        ["Destinations"] = destinations,
                    },
                },
            },
        };
        var tuning = new JsonObject();
        if (inline is { } i)
        {
            tuning["InlineSocketCompletions"] = i;
        }
        if (propagate is { } p)
        {
            tuning["PropagateTraceHeaders"] = p;
        }
        if (fastPath is { } f)
        {
            tuning["Http1FastPath"] = f;
        }
        if (ownSockets is { } o)
        {
            tuning["Http1FastPathOwnSockets"] = o;
        }
        if (tuning.Count > 0)
        {
            config["Balancer"]!["Tuning"] = tuning;
        }
        if (AccessLog)
        {
            config["Balancer"]!["AccessLog"] = new JsonObject { ["Enabled"] = true, ["Format"] = "json", ["Path"] = Path.Combine(dir, "access.log") };
        }
        var path = Path.Combine(dir, "balancer.json");
        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return [.. (variant ?? new L7Variant(L7Build.Dll, [])).Command(lab.BalancerDll, lab.WorkDir, path)];
    }
}
