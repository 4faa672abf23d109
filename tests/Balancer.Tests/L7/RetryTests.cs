using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.L7;

/// <summary>Idempotent requests whose connection is refused are retried on another destination; others are not.</summary>
public sealed class RetryTests
{
    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static Task<BalancerFixture> StartWithDeadDestinationAsync(int retries) =>
        BalancerFixture.StartAsync(2, (c, _, _) =>
        {
            ((JsonObject)ConfigJson.Cluster(c)["Destinations"]!)["dead"] = new JsonObject { ["Address"] = $"http://127.0.0.1:{ClosedPort()}/" };
            c["Balancer"]!["Limits"] = new JsonObject { ["ConnectRetries"] = retries };
        });

    [Fact]
    public async Task RefusedConnection_GetIsRetriedElsewhere_PostIsNot()
    {
        await using var f = await StartWithDeadDestinationAsync(1);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            using var r = await f.Client.GetAsync(f.Front + "/");
            statuses.Add(r.StatusCode);
        }
        var posts = new List<HttpStatusCode>();
        for (var i = 0; i < 9; i++)
        {
            using var r = await f.Client.PostAsync(f.Front + "/echo", new StringContent("x"));
            posts.Add(r.StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(3, posts.Count(s => s == HttpStatusCode.BadGateway));
    }

    [Fact]
    public async Task RetriesOff_RefusedConnection_Gets502()
    {
        await using var f = await StartWithDeadDestinationAsync(0);

        var failed = 0;
        for (var i = 0; i < 30; i++)
        {
            using var r = await f.Client.GetAsync(f.Front + "/");
            failed += r.StatusCode == HttpStatusCode.BadGateway ? 1 : 0;
        }

        Assert.Equal(10, failed);
    }
}
