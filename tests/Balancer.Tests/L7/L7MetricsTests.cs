using System.Net;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.L7;

/// <summary>After a counted number of requests, the front's metrics on /metrics are exact.</summary>
public sealed class L7MetricsTests
{
    [Fact]
    public async Task Metrics_AfterKnownRequests_CountsAreExact()
    {
        await using var f = await BalancerFixture.StartAsync(2, (c, _, _) =>
            ConfigJson.Cluster(c)["HttpRequest"] = new JsonObject { ["ActivityTimeout"] = "2s" });

        await f.SpreadAsync(10);
        using (var slow = await f.Client.GetAsync(f.Front + "/delay/8000"))
        {
            Assert.Equal(HttpStatusCode.GatewayTimeout, slow.StatusCode);
        }
        // Settled: a request is counted after its client has the response.
        var text = await f.SettledMetricsAsync();

        Assert.Contains("lb_http_requests_total{route=\"all\",cluster=\"web\",destination=\"d0\",code=\"2xx\"} 5", text);
        Assert.Contains("lb_http_requests_total{route=\"all\",cluster=\"web\",destination=\"d1\",code=\"2xx\"} 5", text);
        Assert.Matches("lb_http_requests_total\\{route=\"all\",cluster=\"web\",destination=\"d[01]\",code=\"5xx\"\\} 1", text);
        Assert.Contains("lb_http_request_duration_seconds_count{route=\"all\",cluster=\"web\"} 11", text);
        Assert.Contains("lb_http_proxy_errors_total{cluster=\"web\",error=\"RequestTimedOut\"} 1", text);
        Assert.Contains("lb_http_active_requests{route=\"all\",cluster=\"web\"} 0", text);
    }
}
