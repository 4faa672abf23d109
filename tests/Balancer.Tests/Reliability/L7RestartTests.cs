using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Demo;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>
/// The README's restart recipe with the real <c>balancer run</c>: a new process binds beside the old one (SO_REUSEPORT),
/// the old one gets SIGTERM, and a client that never retries sees no failed request.
/// </summary>
[Collection(WallClockCollection.Name)]
public sealed partial class L7RestartTests(ITestOutputHelper output)
{
    private const int Clients = 16;
    private const int Replacements = 3;
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Run_ReplacedThreeTimesUnderKeepAliveLoad_NoRequestFails()
    {
        await using var d0 = await DemoBackend.StartAsync("d0");
        await using var d1 = await DemoBackend.StartAsync("d1");
        using var dir = new TempDir();
        var (frontPort, adminPort) = (FreePort(), FreePort());
        var config = ConfigJson.Basic([d0.Url, d1.Url]);
        config["Balancer"]!["Listeners"]![0]!["Url"] = $"http://127.0.0.1:{frontPort}";
        config["Balancer"]!["Admin"]!["Url"] = $"http://127.0.0.1:{adminPort}";
        config["Balancer"]!["Limits"] = new JsonObject { ["StartupReadyTimeout"] = "20s", ["ShutdownTimeout"] = "10s" };
        config["Health"] = new JsonObject
        {
            ["Pools"] = new JsonObject
            {
                ["web"] = new JsonObject
                {
                    ["Check"] = new JsonObject { ["Probe"] = "http", ["Path"] = "/health", ["Interval"] = "250ms", ["Timeout"] = "500ms", ["Rise"] = 1, ["Fall"] = 3 },
                },
            },
        };
        var path = dir.File("balancer.json", ConfigJson.Text(config));

        var processes = new List<RunningBalancer>();
        var load = new KeepAliveLoad(new IPEndPoint(IPAddress.Loopback, frontPort), "/bytes/1000", TimeSpan.FromMilliseconds(5));
        using var stop = new CancellationTokenSource();
        try
        {
            var old = await RunningBalancer.StartAsync(path, output);
            processes.Add(old);
            var clients = load.RunAsync(Clients, stop.Token);
            await Poll.UntilAsync(() => load.Ok >= 200, TimeSpan.FromSeconds(30), "first 200 requests through the first balancer");
            for (var i = 0; i < Replacements; i++)
            {
                var sw = Stopwatch.StartNew();
                var next = await RunningBalancer.StartAsync(path, output);
                processes.Add(next);
                var ready = sw.ElapsedMilliseconds;
                await old.TerminateAsync();
                output.WriteLine($"replacement {i + 1}: new process ready after {ready} ms, old one exited {sw.ElapsedMilliseconds - ready} ms after SIGTERM; ok so far {load.Ok}");
                var before = load.Ok;
                await Poll.UntilAsync(() => load.Ok >= before + 200, TimeSpan.FromSeconds(30), "200 requests through the new balancer");
                old = next;
            }
            await stop.CancelAsync();
            await clients.WaitAsync(TimeSpan.FromSeconds(60));
            await old.TerminateAsync();

            output.WriteLine($"client: {load.Ok} ok, {load.Failed} failed, {load.Connections} connections opened; errors: {string.Join(" | ", load.Errors)}");
            foreach (var p in processes)
            {
                output.WriteLine($"process {p.Pid}: exit {p.ExitCode}, served {p.Served}; {p.StopLine}");
            }
            Assert.Equal(0, load.Failed);
            Assert.All(processes, p => Assert.Equal(0, p.ExitCode));
            Assert.All(processes, p => Assert.True(p.Served > 0, $"process {p.Pid} served no request"));
            Assert.Equal(load.Ok, processes.Sum(p => p.Served));
            Assert.True(load.Connections > Clients * Replacements, $"only {load.Connections} connections: the old processes should have closed theirs");
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var p in processes)
            {
                p.Kill();
            }
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>One <c>balancer run</c> process, its output collected line by line.</summary>
    private sealed partial class RunningBalancer
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();

        private RunningBalancer(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => { if (e.Data is { } l) { _lines.Enqueue(l); } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is { } l) { _lines.Enqueue("stderr: " + l); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public int Pid => _process.Id;

        public int ExitCode => _process.HasExited ? _process.ExitCode : -1;

        public string StopLine => _lines.LastOrDefault(l => l.StartsWith("stopped:", StringComparison.Ordinal)) ?? "(no stop line)";

        public long Served => StoppedLine().Match(StopLine) is { Success: true } m ? long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;

        public static async Task<RunningBalancer> StartAsync(string config, ITestOutputHelper output)
        {
            var p = new RunningBalancer(BalancerProcess.Start("run", "--config", config));
            if (!await Poll.TryUntilAsync(() => Task.FromResult(p._lines.Any(l => l.StartsWith("balancer running", StringComparison.Ordinal)) || p._process.HasExited), StartLimit)
                || p._process.HasExited)
            {
                output.WriteLine(string.Join('\n', p._lines));
                p.Kill();
                throw new InvalidOperationException($"balancer did not start: {string.Join(" / ", p._lines.TakeLast(5))}");
            }
            return p;
        }

        /// <summary>SIGTERM by PID, then waits for the exit.</summary>
        public async Task TerminateAsync()
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }
            await _process.WaitForExitAsync().WaitAsync(ExitLimit);
            _process.WaitForExit();
        }

        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
            _process.Dispose();
        }

        [GeneratedRegex(@"^stopped: (\d+) request")]
        private static partial Regex StoppedLine();
    }
}
