using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Demo;

namespace LoadBalancer.Balancer.Tests.Metrics;

/// <summary>A config with many clusters and destinations (over a few real backends) and health checks on every cluster.</summary>
internal static class LargeConfig
{
    /// <summary>Replaces the config's routes and clusters: route rI matches /cI/... and goes to cluster cI with destinations d0..d(N-1).</summary>
    public static void Shape(JsonObject config, IReadOnlyList<DemoBackend> backends, int clusters, int destinations)
    {
        var routes = new JsonObject();
        var clusterNodes = new JsonObject();
        var pools = new JsonObject();
        for (var c = 0; c < clusters; c++)
        {
            routes[$"r{c}"] = new JsonObject { ["ClusterId"] = $"c{c}", ["Match"] = new JsonObject { ["Path"] = $"/c{c}/{{**rest}}" } };
            var dests = new JsonObject();
            for (var d = 0; d < destinations; d++)
            {
                dests[$"d{d}"] = new JsonObject { ["Address"] = backends[(c + d) % backends.Count].Url };
            }

            clusterNodes[$"c{c}"] = new JsonObject { ["LoadBalancingPolicy"] = "RoundRobin", ["Destinations"] = dests };
            pools[$"c{c}"] = new JsonObject
            {
                ["Check"] = new JsonObject { ["Probe"] = "http", ["Path"] = "/health", ["Interval"] = "1s", ["Timeout"] = "500ms", ["Rise"] = 1, ["Fall"] = 3 },
            };
        }

        config["ReverseProxy"]!["Routes"] = routes;
        config["ReverseProxy"]!["Clusters"] = clusterNodes;
        config["Health"] = new JsonObject { ["Pools"] = pools };
    }
}
