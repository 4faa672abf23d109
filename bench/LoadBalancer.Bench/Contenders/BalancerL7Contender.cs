using System.Text.Json;
using System.Text.Json.Nodes;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Contenders;

/// <summary>Our L7 front (`balancer run` with listeners and a YARP ReverseProxy section), round robin over the backends.</summary>
internal sealed class BalancerL7Contender : ProcessContender
{
    /// <inheritdoc/>
    public override string Name => "l7";

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
                ["Clusters"] = new JsonObject { ["web"] = new JsonObject { ["LoadBalancingPolicy"] = "RoundRobin", ["Destinations"] = destinations } },
            },
        };
        var path = Path.Combine(dir, "balancer.json");
        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return ["dotnet", lab.BalancerDll, "run", "--config", path];
    }
}
