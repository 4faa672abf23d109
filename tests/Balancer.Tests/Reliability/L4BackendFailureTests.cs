using System.Diagnostics;
using LoadBalancer.Balancer.Tests.L4;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>An L4 backend crashes under a steady load of new connections; the health check takes it out and nothing else breaks.</summary>
[Collection(NetNsCollection.Name)]
public sealed class L4BackendFailureTests(ITestOutputHelper output)
{
    private const int IntervalMs = 200;
    private const int Fall = 2;

    [SkippableFact]
    public async Task BackendKilled_UnderLoad_NewFlowsAvoidItAfterDetection_OtherBackendsFlowsUnbroken()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        using var lab = new L4Lab("nat", suffix: "fk");
        var config = lab.Config();
        LabProbe.TcpHealthCheck(config, $"{IntervalMs}ms", Fall);
        lab.StartBalancer(config);
        Poll.Until(() => LabProbe.Health(lab, "web", "b1") == "Healthy" && LabProbe.Health(lab, "web", "b2") == "Healthy", TimeSpan.FromSeconds(10), "both healthy");
        var url = $"http://{L4Lab.Vip}:8080/";

        // Kept-alive connections opened before the crash: those on b1 must keep working through it.
        var kept = new List<(HttpClient Client, string Backend)>();
        for (var i = 0; i < 12 && kept.Count(k => k.Backend == "b1") < 3; i++)
        {
            var c = NsHttp.Client(lab.Client, TimeSpan.FromSeconds(2));
            using var r = await c.GetAsync(url);
            kept.Add((c, r.Headers.GetValues("X-Backend").Single()));
        }
        var keptOnB1 = kept.Where(k => k.Backend == "b1").Select(k => k.Client).ToList();
        Assert.NotEmpty(keptOnB1);

        var clock = Stopwatch.StartNew();
        var load = new LoadRecorder();
        var running = load.RunAsync(lab.Client, url, clock, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10), workers: 2);
        var keptFailures = 0;
        var keptRequests = 0;
        var keptLoop = Task.Run(async () =>
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                foreach (var c in keptOnB1)
                {
                    keptRequests++;
                    var (backend, _) = await NsHttp.GetAsync(c, url);
                    if (backend != "b1")
                    {
                        keptFailures++;
                    }
                }
                await Task.Delay(100);
            }
        });

        await Task.Delay(1000);
        var killedAt = clock.Elapsed;
        var killedWall = DateTimeOffset.UtcNow;
        lab.StopBackend("b2");
        TimeSpan? unhealthyAt = null;
        while (clock.Elapsed < killedAt + TimeSpan.FromSeconds(3))
        {
            // The transition's own timestamp, not when this (slow, process-spawning) poll saw it.
            if (LabProbe.Backend(lab, "web", "b2") is ("Unhealthy", { } at))
            {
                unhealthyAt = killedAt + (at - killedWall);
                break;
            }
            await Task.Delay(50);
        }
        await running;
        await keptLoop;
        foreach (var k in kept)
        {
            k.Client.Dispose();
        }

        var attempts = load.Attempts;
        var before = attempts.Where(a => a.End < killedAt).ToList();
        var after = attempts.Where(a => a.End >= killedAt).ToList();
        var failures = after.Where(a => !a.Ok).ToList();
        // A request already in flight to b2 when it is killed fails too: it started before the kill, which counts as 0.
        var lastBad = after.Where(a => !a.Ok || a.Backend == "b2").Select(a => a.At).Append(killedAt).Max();
        var avoidedAfter = lastBad - killedAt;
        var bound = TimeSpan.FromMilliseconds((Fall * IntervalMs) + 200 + WallClockCollection.SlackMs);
        output.WriteLine($"new connections: {attempts.Count} ({LoadRecorder.Summary(attempts)}); before kill {LoadRecorder.Summary(before)}; after kill {LoadRecorder.Summary(after)}");
        output.WriteLine($"failed after kill: {failures.Count} ({string.Join("; ", failures.Select(f => f.Error).Distinct().Take(3))})");
        output.WriteLine($"health says Unhealthy {(unhealthyAt - killedAt)?.TotalMilliseconds:F0} ms after the kill; last failed/b2 attempt started {avoidedAfter.TotalMilliseconds:F0} ms after (bound fall {Fall} x interval {IntervalMs} ms + timeout 200 ms, asserted with {WallClockCollection.SlackMs} ms slack = {bound.TotalMilliseconds:F0} ms)");
        output.WriteLine($"kept-alive connections on b1: {keptOnB1.Count}, requests {keptRequests}, failed {keptFailures}");

        Assert.All(before, a => Assert.True(a.Ok, a.Error));
        Assert.NotNull(unhealthyAt);
        Assert.InRange(unhealthyAt.Value - killedAt, TimeSpan.Zero, bound);
        Assert.InRange(avoidedAfter, TimeSpan.Zero, bound);
        // After detection every new flow lands on b1 and succeeds.
        Assert.All(attempts.Where(a => a.At > lastBad), a => Assert.Equal("b1", a.Backend));
        Assert.True(attempts.Count(a => a.At > lastBad) > 50, "load must go on well past detection");
        Assert.Equal(0, keptFailures);
    }
}
