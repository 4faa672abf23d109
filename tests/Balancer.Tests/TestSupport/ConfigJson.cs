using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoadBalancer.Balancer.Tests.TestSupport;

/// <summary>Builds balancer config JSON for tests: loopback listeners on port 0 and one cluster over the given backends.</summary>
public static class ConfigJson
{
    public static JsonObject Basic(IEnumerable<string> backendUrls, string policy = "RoundRobin")
    {
        var destinations = new JsonObject();
        var i = 0;
        foreach (var url in backendUrls)
        {
            destinations[$"d{i++}"] = new JsonObject { ["Address"] = url };
        }
        return new JsonObject
        {
            ["Balancer"] = new JsonObject
            {
                ["Listeners"] = new JsonArray(new JsonObject { ["Url"] = "http://127.0.0.1:0" }),
                ["Admin"] = new JsonObject { ["Url"] = "http://127.0.0.1:0" },
            },
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = new JsonObject
                {
                    ["all"] = new JsonObject { ["ClusterId"] = "web", ["Match"] = new JsonObject { ["Path"] = "{**catch-all}" } },
                },
                ["Clusters"] = new JsonObject
                {
                    ["web"] = new JsonObject { ["LoadBalancingPolicy"] = policy, ["Destinations"] = destinations },
                },
            },
        };
    }

    public static JsonObject Cluster(JsonObject config, string id = "web") => (JsonObject)config["ReverseProxy"]!["Clusters"]![id]!;

    public static string Text(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
