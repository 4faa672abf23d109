using System.Net;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Demo;
using LoadBalancer.Balancer.Hosting;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.TestSupport;

/// <summary>Real Kestrel backends on 127.0.0.1:0 plus a real balancer in front of them, from a config file in a temp dir.</summary>
public sealed class BalancerFixture : IAsyncDisposable
{
    private BalancerFixture(TempDir dir, string configPath, List<DemoBackend> backends, BalancerHost host)
    {
        Dir = dir;
        ConfigPath = configPath;
        Backends = backends;
        Host = host;
        Client = NewClient();
    }

    public TempDir Dir { get; }
    public string ConfigPath { get; }
    public List<DemoBackend> Backends { get; }
    public BalancerHost Host { get; }
    public HttpClient Client { get; }
    public string Front => Host.FrontUrls[0];

    public static async Task<List<DemoBackend>> StartBackendsAsync(int count)
    {
        var list = new List<DemoBackend>();
        for (var i = 0; i < count; i++)
        {
            list.Add(await DemoBackend.StartAsync($"b{i}"));
        }
        return list;
    }

    /// <summary>Starts <paramref name="backendCount"/> backends, lets the test shape the config, then starts the balancer.</summary>
    public static async Task<BalancerFixture> StartAsync(int backendCount, Action<JsonObject, List<DemoBackend>, TempDir>? shape = null, string policy = "RoundRobin")
    {
        var dir = new TempDir();
        var backends = await StartBackendsAsync(backendCount);
        var config = ConfigJson.Basic(backends.Select(b => b.Url), policy);
        shape?.Invoke(config, backends, dir);
        var path = dir.File("balancer.json", ConfigJson.Text(config));
        var result = await ConfigLoader.LoadFileAsync(path, ConfigValidationContext.CreateStandalone());
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var host = await BalancerHost.StartAsync(result.Config!, new BalancerHostOptions
        {
            ConfigPath = path,
            ReloadOnSighup = false,
            // Generous on a loaded machine: a test that writes a file in two steps gets this long between them.
            ReloadSettleTime = TimeSpan.FromSeconds(10),
        });
        return new BalancerFixture(dir, path, backends, host);
    }

    public static HttpClient NewClient(bool cookies = false, Version? version = null) =>
        new(new SocketsHttpHandler
        {
            UseCookies = cookies,
            UseProxy = false,
            AllowAutoRedirect = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestVersion = version ?? HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

    /// <summary>Replaces the config file atomically (a temp file renamed over it), so the watcher never sees a half-written file.</summary>
    public async Task WriteConfigAsync(string text)
    {
        var temp = ConfigPath + ".tmp";
        await File.WriteAllTextAsync(temp, text);
        File.Move(temp, ConfigPath, overwrite: true);
    }

    /// <summary>GETs the path <paramref name="count"/> times and counts which backend answered.</summary>
    public async Task<Dictionary<string, int>> SpreadAsync(int count, string path = "/")
    {
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < count; i++)
        {
            using var r = await Client.GetAsync(Front + path);
            r.EnsureSuccessStatusCode();
            var name = r.Headers.GetValues("X-Backend").Single();
            counts[name] = counts.GetValueOrDefault(name) + 1;
        }
        return counts;
    }

    /// <summary>
    /// The admin endpoint's metrics once no request is active (a request is counted when it ends, which is after its
    /// client has the whole response, and it stops being active only after that), or as they are after 10 s.
    /// </summary>
    public Task<string> SettledMetricsAsync() =>
        MetricsWhenAsync(text => Metrics.MetricsText.Samples(text, "lb_http_active_requests").All(l => l.EndsWith(" 0", StringComparison.Ordinal)));

    /// <summary>
    /// The admin endpoint's metrics once <paramref name="until"/> holds for them, or as they are after 10 s (for what
    /// is counted after the test can see it done, e.g. access log lines counted once flushed).
    /// </summary>
    public async Task<string> MetricsWhenAsync(Func<string, bool> until)
    {
        var text = "";
        await Poll.TryUntilAsync(async () => until(text = await Client.GetStringAsync(Host.AdminUrl + "/metrics")), TimeSpan.FromSeconds(10));
        return text;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        foreach (var b in Backends)
        {
            await b.DisposeAsync();
        }
        Dir.Dispose();
    }
}
