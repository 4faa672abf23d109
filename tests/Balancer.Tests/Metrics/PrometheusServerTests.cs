using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Net;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.Metrics;

/// <summary>A real Prometheus scrapes the balancer's admin endpoint and its queries see exactly the traffic sent.</summary>
public sealed class PrometheusServerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task Prometheus_ScrapesBalancer_SumEqualsRequestsSentAndRateIsPositive()
    {
        var binary = ExternalTool.Find("prometheus");
        Skip.If(binary is null, "prometheus not installed (Debian package 'prometheus'; tests/run.sh installs it when run as root)");
        await using var f = await BalancerFixture.StartAsync(2);
        using var dir = new TempDir();
        var admin = new Uri(f.Host.AdminUrl);
        var config = dir.File("prometheus.yml", $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: balancer
                scrape_interval: 1s
                static_configs:
                  - targets: ["127.0.0.1:{admin.Port}"]
            """);
        // Prometheus does not take port 0: borrow a free port from the kernel and hand it over.
        var port = FreePort();
        var api = $"http://127.0.0.1:{port}/api/v1";
        using var prometheus = ProcessRunner.Start(binary!, [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dir.Path, "data")}", $"--web.listen-address=127.0.0.1:{port}"]);
        var log = new System.Text.StringBuilder();
        prometheus.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        prometheus.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
        try
        {
            using var client = BalancerFixture.NewClient();
            var started = Stopwatch.StartNew();
            await UntilAsync(async () =>
            {
                var targets = await GetJsonAsync(client, api + "/targets");
                return targets?["data"]?["activeTargets"]?.AsArray().Any(t => (string?)t!["health"] == "up") == true;
            }, "scrape target up", prometheus, log);
            output.WriteLine($"prometheus up and scraping after {started.ElapsedMilliseconds} ms");

            // Spread over about 3 s so every series gets several samples with rising values (rate needs two).
            const int Count = 60;
            for (var i = 0; i < Count; i++)
            {
                using var r = await f.Client.GetAsync(f.Front + "/");
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
                await Task.Delay(50);
            }

            double? sum = null;
            await UntilAsync(async () => (sum = await QueryAsync(client, api, "sum(lb_http_requests_total)")) == Count, $"sum == {Count}", prometheus, log, throwOnTimeout: false);
            double? rate = null;
            await UntilAsync(async () => (rate = await QueryAsync(client, api, "sum(rate(lb_http_requests_total[10s]))")) > 0, "rate > 0", prometheus, log, throwOnTimeout: false);
            // Polled too: one scrape slower than the 1 s interval leaves a stale marker, and an instant query then has no value.
            double? up = null;
            await UntilAsync(async () => (up = await QueryAsync(client, api, "sum(lb_backend_up)")) == 2, "sum(lb_backend_up) == 2", prometheus, log, throwOnTimeout: false);

            output.WriteLine($"sum(lb_http_requests_total) = {sum}, sum(rate(lb_http_requests_total[10s])) = {rate:F2}/s, sum(lb_backend_up) = {up}");
            Assert.Equal(Count, sum);
            Assert.True(rate > 0, $"rate {rate}");
            Assert.Equal(2, up);
        }
        finally
        {
            if (!prometheus.HasExited)
            {
                prometheus.Kill();
            }

            await prometheus.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, Process prometheus, System.Text.StringBuilder log, bool throwOnTimeout = true)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < Limit)
        {
            if (prometheus.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with {prometheus.ExitCode} while waiting for {what}:\n{Log(log)}");
            }

            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        if (throwOnTimeout)
        {
            throw new TimeoutException($"{what} not reached within {Limit}; prometheus log:\n{Log(log)}");
        }
    }

    private static string Log(System.Text.StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private static async Task<JsonNode?> GetJsonAsync(HttpClient client, string url) => JsonNode.Parse(await client.GetStringAsync(url));

    /// <summary>The value of an instant query with one result, or null when it has none.</summary>
    private static async Task<double?> QueryAsync(HttpClient client, string api, string query)
    {
        var json = await GetJsonAsync(client, $"{api}/query?query={Uri.EscapeDataString(query)}");
        var result = json?["data"]?["result"]?.AsArray();
        if (result is not { Count: 1 })
        {
            return null;
        }

        return double.Parse((string)result[0]!["value"]![1]!, CultureInfo.InvariantCulture);
    }
}
