using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Demo;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.L7;

/// <summary>The L7 front, its health checks and the admin endpoint over IPv6, with the real <c>balancer run</c> on <c>[::1]</c>.</summary>
public sealed class Ipv6FrontTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task Run_Ipv6ListenerAdminAndBackends_BalancesChecksHealthAndForwardsTheClientAddress()
    {
        Skip.IfNot(Socket.OSSupportsIPv6 && HasIpv6Loopback(), "needs an IPv6 loopback address (::1)");
        using var dir = new TempDir();
        await using var b0 = await DemoBackend.StartAsync("b0", "http://[::1]:0");
        var b1 = await DemoBackend.StartAsync("b1", "http://[::1]:0");
        var b1Stopped = false;
        Assert.StartsWith("http://[::1]:", b0.Url, StringComparison.Ordinal);

        var config = ConfigJson.Basic([b0.Url + "/", b1.Url + "/"]);
        config["Balancer"]!["Listeners"] = new JsonArray(new JsonObject { ["Url"] = "http://[::1]:0" });
        config["Balancer"]!["Admin"] = new JsonObject { ["Url"] = "http://[::1]:0" };
        config["Health"] = new JsonObject
        {
            ["Pools"] = new JsonObject
            {
                ["web"] = new JsonObject
                {
                    ["Check"] = new JsonObject { ["Probe"] = "http", ["Path"] = "/health", ["Interval"] = "200ms", ["Timeout"] = "1s", ["Rise"] = 1, ["Fall"] = 2 },
                    ["SlowStart"] = "0s",
                },
            },
        };
        var path = dir.File("v6.json", ConfigJson.Text(config));
        var check = await BalancerProcess.RunAsync(Deadline, "check", "--config", path);
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);

        using var p = BalancerProcess.Start("run", "--config", path);
        using var client = BalancerFixture.NewClient();
        try
        {
            var (front, admin) = await UrlsAsync(p);
            Assert.StartsWith("http://[::1]:", front, StringComparison.Ordinal);
            Assert.StartsWith("http://[::1]:", admin, StringComparison.Ordinal);
            await Poll.UntilAsync(async () => (await client.GetStringAsync(admin + "/api/status")).Split("\"Healthy\"").Length - 1 == 2, Deadline, "both IPv6 backends healthy");

            var seen = new Dictionary<string, int>();
            for (var i = 0; i < 20; i++)
            {
                using var r = await client.GetAsync(front + "/echo");
                r.EnsureSuccessStatusCode();
                var backend = r.Headers.GetValues("X-Backend").Single();
                seen[backend] = seen.GetValueOrDefault(backend) + 1;
                Assert.Equal("::1", r.Headers.GetValues("X-Echo-X-Forwarded-For").Single());
            }
            Assert.Equal(10, seen.GetValueOrDefault("b0"));
            Assert.Equal(10, seen.GetValueOrDefault("b1"));

            // Health over IPv6 sees a backend go away: stop b1, it goes down and the front sends everything to b0.
            b1Stopped = true;
            await b1.DisposeAsync();
            await Poll.UntilAsync(async () => (await client.GetStringAsync(admin + "/api/status")).Contains("\"Unhealthy\"", StringComparison.Ordinal), Deadline, "b1 marked down over IPv6");
            for (var i = 0; i < 6; i++)
            {
                using var r = await client.GetAsync(front + "/");
                Assert.Equal("b0", r.Headers.GetValues("X-Backend").Single());
            }
            var status = await client.GetStringAsync(admin + "/api/status");
            Assert.Contains("http://[::1]:", status, StringComparison.Ordinal);
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill();
            }
            if (!b1Stopped)
            {
                await b1.DisposeAsync();
            }
        }
    }

    private static bool HasIpv6Loopback()
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<(string Front, string Admin)> UrlsAsync(System.Diagnostics.Process p)
    {
        string? line;
        while ((line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))) is not null && !line.StartsWith("balancer running", StringComparison.Ordinal))
        {
        }
        Assert.NotNull(line);
        // "balancer running: front http://[::1]:PORT, admin http://[::1]:PORT (Ctrl+C to stop)"
        var words = line!.Split(' ');
        return (words[3].TrimEnd(','), words[5]);
    }
}
