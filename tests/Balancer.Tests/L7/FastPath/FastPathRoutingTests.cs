using System.Text.Json.Nodes;
using CsCheck;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.L7.FastPath;

/// <summary>The fast path picks the route YARP (ASP.NET Core routing) would pick, and leaves configs it cannot match to YARP.</summary>
public sealed class FastPathRoutingTests
{
    private static void Routes(JsonObject c, string a, string b, string cc)
    {
        c["ReverseProxy"] = JsonNode.Parse($$"""
            {
              "Routes": {
                "all":    { "ClusterId": "a", "Match": { "Path": "{**catch-all}" } },
                "api":    { "ClusterId": "a", "Match": { "Path": "/api/{**rest}" } },
                "apiv1":  { "ClusterId": "b", "Match": { "Path": "/API/v1/{**rest}" } },
                "post":   { "ClusterId": "c", "Match": { "Path": "/api/{**rest}", "Methods": [ "POST" ] } },
                "exact":  { "ClusterId": "b", "Match": { "Path": "/static" } },
                "host":   { "ClusterId": "c", "Match": { "Path": "{**all}", "Hosts": [ "a.example" ] } },
                "hostp":  { "ClusterId": "b", "Match": { "Path": "/x/{**r}", "Hosts": [ "b.example:8080" ] } },
                "early":  { "ClusterId": "c", "Order": -1, "Match": { "Path": "/x/{**r}" } },
                "late":   { "ClusterId": "a", "Match": { "Path": "/x/y" } }
              },
              "Clusters": {
                "a": { "Destinations": { "a": { "Address": "{{a}}" } } },
                "b": { "Destinations": { "b": { "Address": "{{b}}" } } },
                "c": { "Destinations": { "c": { "Address": "{{cc}}" } } }
              }
            }
            """);
    }

    [Fact]
    public async Task GeneratedRequests_GoToTheSameRouteAsThroughYarp()
    {
        await using var a = new ScriptedBackend(_ => (ScriptedBackend.Ok("a"), false));
        await using var b = new ScriptedBackend(_ => (ScriptedBackend.Ok("b"), false));
        await using var c = new ScriptedBackend(_ => (ScriptedBackend.Ok("c"), false));
        await using var fast = await FastPathTests.StartFrontAsync(a.Url, true, cfg => Routes(cfg, a.Url, b.Url, c.Url));
        await using var yarp = await FastPathTests.StartFrontAsync(a.Url, false, cfg => Routes(cfg, a.Url, b.Url, c.Url));
        var segment = Gen.OneOf("api", "API", "v1", "V1", "x", "y", "static", "statics", "z");
        var requests = Gen.Select(segment.Array[0, 4], Gen.OneOf("GET", "POST", "DELETE"), Gen.OneOf("a.example", "A.EXAMPLE:81", "b.example:8080", "b.example", "other"), Gen.Bool);
        var count = 0;

        await requests.SampleAsync(async (segments, method, host, slash) =>
        {
            var path = "/" + string.Join('/', segments) + (slash && segments.Length > 0 ? "/" : "");
            var viaFast = await SendAsync(fast, method, path, host);
            var viaYarp = await SendAsync(yarp, method, path, host);
            Assert.True(viaYarp == viaFast, $"{method} {path} Host: {host}: YARP chose {viaYarp}, the fast path {viaFast}");
            count++;
        }, iter: 150, threads: 1);

        Assert.Equal(count, await FastPathTests.MetricAsync(fast, "lb_http_fast_path_requests_total{result=\"forwarded\"}"));
    }

    private static async Task<string> SendAsync(BalancerFixture front, string method, string path, string host)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), front.Front + path);
        request.Headers.Host = host;
        if (method == "POST")
        {
            request.Content = new StringContent("x");
        }
        using var response = await front.Client.SendAsync(request);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }

    [Theory]
    [InlineData("""{ "Path": "/items/{id}" }""")]
    [InlineData("""{ "Path": "/items/{id:int}/{**rest}" }""")]
    [InlineData("""{ "Path": "{**all}", "Headers": [ { "Name": "X-A", "Values": [ "1" ] } ] }""")]
    [InlineData("""{ "Path": "{**all}", "QueryParameters": [ { "Name": "a", "Values": [ "1" ] } ] }""")]
    [InlineData("""{ "Path": "{**all}", "Hosts": [ "*.example" ] }""")]
    public async Task ARouteTheFastPathCannotMatch_SendsEveryRequestToYarp(string match)
    {
        await using var backend = new ScriptedBackend();
        await using var f = await FastPathTests.StartFrontAsync(backend.Url, shape: c =>
            c["ReverseProxy"]!["Routes"]!["odd"] = new JsonObject { ["ClusterId"] = "web", ["Order"] = 5, ["Match"] = JsonNode.Parse(match) });

        using var r = await f.Client.GetAsync(f.Front + "/");

        Assert.Equal(System.Net.HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(0, await FastPathTests.MetricAsync(f, "lb_http_fast_path_requests_total{result=\"forwarded\"}"));
    }

    [Fact]
    public async Task Reload_NewRoutesAreFollowed()
    {
        await using var a = new ScriptedBackend(_ => (ScriptedBackend.Ok("a"), false));
        await using var b = new ScriptedBackend(_ => (ScriptedBackend.Ok("b"), false));
        await using var f = await FastPathTests.StartFrontAsync(a.Url);
        Assert.Equal("a", await f.Client.GetStringAsync(f.Front + "/new/1"));

        var config = JsonNode.Parse(await File.ReadAllTextAsync(f.ConfigPath))!.AsObject();
        config["ReverseProxy"]!["Routes"]!["new"] = new JsonObject { ["ClusterId"] = "nb", ["Match"] = new JsonObject { ["Path"] = "/new/{**r}" } };
        config["ReverseProxy"]!["Clusters"]!["nb"] = new JsonObject { ["Destinations"] = new JsonObject { ["b"] = new JsonObject { ["Address"] = b.Url } } };
        await f.WriteConfigAsync(ConfigJson.Text(config));
        await f.Host.ReloadAsync();

        Assert.Equal("b", await f.Client.GetStringAsync(f.Front + "/new/2"));
        Assert.Equal("a", await f.Client.GetStringAsync(f.Front + "/old"));
        Assert.Equal(3, await FastPathTests.MetricAsync(f, "lb_http_fast_path_requests_total{result=\"forwarded\"}"));
    }
}
