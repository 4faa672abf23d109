using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.ScaleOut;

/// <summary>
/// <c>balancer lab up --balancers N</c> built in-process (router with BIRD, N balancer namespaces with BIRD, client behind
/// the router), demo backends on :8080 in every backend, and a real <c>balancer run</c> per balancer that announces the VIP.
/// </summary>
public sealed partial class ScaleOutLab : IDisposable
{
    public const string Vip = "10.200.0.100";
    private readonly TempDir _dir = new();
    private readonly List<Process> _processes = [];
    private readonly Dictionary<string, Process> _backends = [];
    private readonly Dictionary<int, Process> _balancers = [];

    public ScaleOutLab(string mode, int balancers, string suffix, int backends = 2)
    {
        Mode = mode;
        var labMode = mode switch { "fullnat" => LabMode.FullNat, "tunnel" => LabMode.Tunnel, "nat" => LabMode.Nat, _ => LabMode.Dsr };
        Topology = new LabTopology(new LabOptions($"lbsx{Environment.ProcessId % 100000}{suffix}", backends, labMode)
        {
            StateDirectory = _dir.Path,
            SelfCommand = ["dotnet", BalancerProcess.DllPath],
            Balancers = balancers,
        });
        try
        {
            Topology.Up();
            foreach (var b in Topology.Layout.Backends)
            {
                StartBackend(b.Name);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Mode { get; }
    public LabTopology Topology { get; }
    public string Client => Topology.Layout.Client.Namespace;
    public string Router => Topology.Layout.Router!.Namespace;
    public string Dir => _dir.Path;

    /// <summary>Balancer <paramref name="i"/>'s namespace (1-based).</summary>
    public string Balancer(int i) => Topology.Layout.Balancers[i - 1].Namespace;

    /// <summary>Balancer <paramref name="i"/>'s address, which is also its next hop at the router.</summary>
    public string BalancerAddress(int i) => Topology.Layout.Balancers[i - 1].Address.ToString();

    /// <summary>The config of balancer <paramref name="i"/>: the same service on every balancer (same Maglev table), its own full-NAT source, announcement on.</summary>
    public JsonObject Config(int i, Action<JsonObject>? shapeService = null)
    {
        var backends = new JsonObject(Topology.Layout.Backends.Select(b =>
            KeyValuePair.Create(b.Name, (JsonNode?)new JsonObject { ["Address"] = b.Address.ToString() })));
        var service = new JsonObject
        {
            ["Vip"] = Vip, ["Port"] = 8080, ["Protocol"] = "tcp", ["Mode"] = Mode, ["Selector"] = "maglev",
            ["NonSynMiss"] = "ReselectViaHash", ["Backends"] = backends,
        };
        if (Mode == "fullnat")
        {
            service["FullNatSources"] = new JsonArray(LabLayout.FullNatSourceOf(i).ToString());
        }

        shapeService?.Invoke(service);
        return new JsonObject
        {
            ["Balancer"] = new JsonObject { ["Admin"] = new JsonObject { ["Url"] = "http://127.0.0.1:9100" } },
            ["L4"] = new JsonObject
            {
                ["Interface"] = LabLayout.InterfaceName,
                ["Announce"] = new JsonObject { ["Enabled"] = true, ["Table"] = 200 },
                ["Services"] = new JsonObject { ["web"] = service },
            },
        };
    }

    /// <summary>Writes balancer <paramref name="i"/>'s config file (atomically, so its file watcher never reads half of it).</summary>
    public string WriteConfig(int i, JsonObject config)
    {
        var path = Path.Combine(_dir.Path, $"lb{i}.json");
        File.WriteAllText(path + ".tmp", ConfigJson.Text(config));
        File.Move(path + ".tmp", path, overwrite: true);
        return path;
    }

    /// <summary>Starts <c>balancer run</c> in balancer <paramref name="i"/>'s namespace and waits until it runs.</summary>
    public void StartBalancer(int i, JsonObject? config = null)
    {
        var path = WriteConfig(i, config ?? Config(i));
        var log = Path.Combine(_dir.Path, $"lb{i}.{_processes.Count}.log");
        var p = Start(Balancer(i), log, "dotnet", BalancerProcess.DllPath, "run", "--config", path);
        _balancers[i] = p;
        Poll.Until(() => Read(log).Contains("balancer running") || p.HasExited, TimeSpan.FromSeconds(40), $"balancer {i} start");
        Assert.False(p.HasExited, $"balancer {i} exited: " + Read(log));
    }

    /// <summary>SIGKILL to balancer <paramref name="i"/> (a crash: no withdrawal of its own).</summary>
    public void KillBalancer(int i)
    {
        var p = _balancers[i];
        ProcessRunner.Run("kill", ["-KILL", p.Id.ToString()]);
        p.WaitForExit(5000);
    }

    /// <summary>The next hops the router's kernel has for the VIP now (one per announcing balancer).</summary>
    public IReadOnlyList<string> NextHops()
    {
        var text = ProcessRunner.Run("ip", ["-n", Router, "route", "show", $"{Vip}/32"]).StdOut;
        return Via().Matches(text).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Waits until the router's next hops for the VIP are exactly balancers <paramref name="balancers"/>.</summary>
    public void WaitForNextHops(TimeSpan timeout, params int[] balancers)
    {
        var want = balancers.Select(BalancerAddress).Order(StringComparer.Ordinal).ToList();
        Assert.True(Poll.TryUntil(() => NextHops().SequenceEqual(want), timeout),
            $"router next hops for {Vip}: [{string.Join(", ", NextHops())}], expected [{string.Join(", ", want)}]");
    }

    /// <summary>An admin API call inside balancer <paramref name="i"/>'s namespace.</summary>
    public string Admin(int i, string method, string path) =>
        Exec(Balancer(i), "curl", "-s", "-m", "10", "-X", method, $"http://127.0.0.1:9100{path}").StdOut;

    /// <summary>lb_l4_new_flows_total of balancer <paramref name="i"/> (a scrape that times out on a loaded machine is tried again, up to 30 s).</summary>
    public double NewFlows(int i)
    {
        double? value = null;
        Poll.TryUntil(() => (value = Metrics.MetricsText.Value(Admin(i, "GET", "/metrics"), "lb_l4_new_flows_total")) is not null, TimeSpan.FromSeconds(30));
        return value ?? throw new TimeoutException($"no metrics from balancer {i} within 30 s");
    }

    /// <summary>Packets balancer <paramref name="i"/> forwarded to backends (lb_l4_packets_total, to_backend).</summary>
    public double ForwardedToBackends(int i) =>
        Metrics.MetricsText.Samples(Admin(i, "GET", "/metrics"), "lb_l4_packets_total")
            .Where(l => l.Contains("to_backend", StringComparison.Ordinal))
            .Sum(l => double.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture));

    public void StartBackend(string name)
    {
        var node = Topology.Layout.Backends.Single(b => b.Name == name);
        _backends[name] = Start(node.Namespace, Path.Combine(_dir.Path, $"{name}.{_processes.Count}.log"),
            "dotnet", BalancerProcess.DllPath, "demo-backend", "--name", name, "--url", "http://0.0.0.0:8080");
        Poll.Until(() => Exec(Balancer(1), "curl", "-s", "-m", "1", $"http://{node.Address}:8080/health").StdOut == "ok", TimeSpan.FromSeconds(30), $"backend {name}");
    }

    public void StopBackend(string name)
    {
        var p = _backends[name];
        ProcessRunner.Run("kill", ["-KILL", p.Id.ToString()]);
        p.WaitForExit(5000);
    }

    public static ProcessResult Exec(string ns, params string[] args) =>
        ProcessRunner.Run("ip", ["netns", "exec", ns, .. args], TimeSpan.FromSeconds(60));

    private static string Read(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private Process Start(string ns, string logPath, params string[] args)
    {
        var p = ProcessRunner.StartLogged("ip", ["netns", "exec", ns, .. args], logPath);
        _processes.Add(p);
        return p;
    }

    public void Dispose()
    {
        try
        {
            OwnProcesses.Stop(_processes);
        }
        finally
        {
            Topology.Down();
            _dir.Dispose();
        }
    }

    [GeneratedRegex(@"via (\d+\.\d+\.\d+\.\d+)")]
    private static partial Regex Via();
}
