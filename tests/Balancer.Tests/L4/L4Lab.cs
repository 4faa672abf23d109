using System.Diagnostics;
using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>A lab (client, balancer, N backends in network namespaces) with demo backends on :8080 (HTTP) and :5353 (UDP echo) and a real `balancer run` in the balancer namespace.</summary>
/// <remarks>With <see cref="LabFamily.Ipv6"/> the product's IPv6-only lab: every node, the VIP, the full-NAT source and the services are IPv6.</remarks>
public sealed class L4Lab : IDisposable
{
    public const string Vip = "10.200.0.100";
    public const string FullNatSource = "10.200.0.3";
    private readonly List<Process> _processes = [];
    private readonly Dictionary<string, Process> _backends = [];
    private readonly TempDir _dir = new();
    private Process? _balancer;
    private string _balancerLog = "balancer.log";
    private int _balancerStarts;

    public L4Lab(string mode, int backends = 2, string? suffix = null, string prefix = "lbe", LabFamily family = LabFamily.Ipv4)
    {
        Mode = mode;
        Family = family;
        var labMode = mode switch { "nat" => LabMode.Nat, "fullnat" => LabMode.FullNat, "tunnel" => LabMode.Tunnel, _ => LabMode.Dsr };
        Topology = new LabTopology(new LabOptions($"{prefix}{Environment.ProcessId % 100000}{suffix ?? mode[..2]}", backends, labMode)
        {
            StateDirectory = _dir.Path,
            SelfCommand = ["dotnet", BalancerProcess.DllPath],
            Family = family,
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
    public LabFamily Family { get; }

    /// <summary>The VIP of the lab's family as text (IPv4, or the IPv6 VIP <c>fd00:200::100</c>).</summary>
    public string VipAddress => Family == LabFamily.Ipv6 ? Topology.Layout.Vip6.ToString() : Vip;

    /// <summary>An HTTP URL on the VIP's :8080 (brackets around an IPv6 VIP).</summary>
    public string VipUrl(string path = "/") => Family == LabFamily.Ipv6 ? $"http://[{VipAddress}]:8080{path}" : $"http://{VipAddress}:8080{path}";
    public LabTopology Topology { get; }
    public string ConfigPath => Path.Combine(_dir.Path, "balancer.json");
    public string Client => Topology.Layout.Client.Namespace;
    public string BalancerLog { get; private set; } = "";

    /// <summary>The PID of the running `balancer run` (for /proc/PID/status), or 0 before it starts.</summary>
    public int BalancerPid => _balancer is { HasExited: false } b ? b.Id : 0;

    private void StartBackend(string name)
    {
        var ns = Topology.Layout.Backends.Single(b => b.Name == name).Namespace;
        var v6 = Family == LabFamily.Ipv6;
        _backends[name] = Start(ns, $"{name}.log", "dotnet", BalancerProcess.DllPath, "demo-backend", "--name", name, "--url", v6 ? "http://[::]:8080" : "http://0.0.0.0:8080", "--udp", "5353");
        // Ready when it answers on its real address (from the balancer's namespace, which shares the server net).
        var node = Topology.Layout.Backends.Single(b => b.Name == name);
        var url = v6 ? $"http://[{node.Address6}]:8080/health" : $"http://{node.Address}:8080/health";
        Poll.Until(() => Exec(Topology.Layout.Balancer.Namespace, "curl", "-s", "-m", "1", url).StdOut == "ok", TimeSpan.FromSeconds(30), $"backend {name}");
    }

    /// <summary>
    /// The L4 config of this lab: a TCP service on :8080 and a UDP service on :5353 over the given backends; with IPv6
    /// the services <c>web6</c> and <c>echo6</c> on the IPv6 VIP, in the shape `lab up --family 6` writes (IPv6
    /// backends, full-NAT66 source, the balancer's own address as tunnel source).
    /// </summary>
    public JsonObject Config(IEnumerable<string>? backendNames = null, Action<JsonObject>? shapeService = null)
    {
        var names = backendNames?.ToList() ?? Topology.Layout.Backends.Select(b => b.Name).ToList();
        var v6 = Family == LabFamily.Ipv6;
        JsonObject Backends() => new(names.Select(n => KeyValuePair.Create(n, (JsonNode?)new JsonObject
        {
            ["Address"] = (v6 ? Topology.Layout.Backends.Single(b => b.Name == n).Address6 : Topology.Layout.Backends.Single(b => b.Name == n).Address).ToString(),
        })));
        JsonObject Service(int port, string protocol)
        {
            var s = new JsonObject { ["Vip"] = VipAddress, ["Port"] = port, ["Protocol"] = protocol, ["Mode"] = Mode, ["Backends"] = Backends() };
            if (Mode == "fullnat")
            {
                s["FullNatSources"] = new JsonArray(v6 ? Topology.Layout.FullNatSource6.ToString() : FullNatSource);
            }
            if (Mode == "tunnel" && v6)
            {
                s["TunnelSource"] = Topology.Layout.Balancer.Address6.ToString();
            }
            shapeService?.Invoke(s);
            return s;
        }
        var services = v6
            ? new JsonObject { ["web6"] = Service(8080, "tcp"), ["echo6"] = Service(5353, "udp") }
            : new JsonObject { ["web"] = Service(8080, "tcp"), ["echo"] = Service(5353, "udp") };
        return new JsonObject
        {
            ["Balancer"] = new JsonObject { ["Admin"] = new JsonObject { ["Url"] = "http://127.0.0.1:9100" } },
            ["L4"] = new JsonObject
            {
                ["Interface"] = LabLayout.InterfaceName,
                ["Services"] = services,
            },
        };
    }

    /// <summary>Writes the config and starts `balancer run` in the balancer namespace; waits until it says it runs.</summary>
    public void StartBalancer(JsonObject config)
    {
        File.WriteAllText(ConfigPath, ConfigJson.Text(config));
        LaunchBalancer();
    }

    /// <summary>
    /// Starts `balancer run` on <see cref="ConfigPath"/> made a symlink to a file in a subdirectory: replacing that file
    /// (<see cref="RewriteLinkTarget"/>) changes what the path reads without a change event in the path's own directory,
    /// so the file watcher stays quiet and only a SIGHUP applies it.
    /// </summary>
    public void StartBalancerOnLink(JsonObject config)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LinkTargetPath)!);
        File.WriteAllText(LinkTargetPath, ConfigJson.Text(config));
        File.CreateSymbolicLink(ConfigPath, LinkTargetPath);
        LaunchBalancer();
    }

    /// <summary>Replaces the symlink's target (written beside it, then renamed over it) for <see cref="StartBalancerOnLink"/>.</summary>
    public void RewriteLinkTarget(JsonObject config)
    {
        var temp = LinkTargetPath + ".tmp";
        File.WriteAllText(temp, ConfigJson.Text(config));
        File.Move(temp, LinkTargetPath, overwrite: true);
    }

    private string LinkTargetPath => Path.Combine(_dir.Path, "target", "balancer.json");

    /// <summary>Kills one backend's demo-backend with SIGKILL (a crash, not a clean stop) and waits until it is gone.</summary>
    public void StopBackend(string name)
    {
        var p = _backends[name];
        if (!p.HasExited)
        {
            ProcessRunner.Run("kill", ["-KILL", p.Id.ToString()]);
            p.WaitForExit(5000);
        }
    }

    /// <summary>Kills `balancer run` with SIGKILL and starts it again (with <paramref name="config"/> if given, else the current file); returns the time from the kill until the new one says it runs.</summary>
    public TimeSpan RestartBalancer(JsonObject? config = null)
    {
        var sw = Stopwatch.StartNew();
        if (_balancer is { HasExited: false } old)
        {
            ProcessRunner.Run("kill", ["-KILL", old.Id.ToString()]);
            old.WaitForExit(5000);
        }
        if (config is not null)
        {
            File.WriteAllText(ConfigPath, ConfigJson.Text(config));
        }
        LaunchBalancer();
        return sw.Elapsed;
    }

    private void LaunchBalancer()
    {
        // Each start logs to its own file, so waiting for "balancer running" never reads the previous run's log.
        _balancerLog = _balancerStarts++ == 0 ? "balancer.log" : $"balancer.{_balancerStarts}.log";
        var balancer = Start(Topology.Layout.Balancer.Namespace, _balancerLog, "dotnet", BalancerProcess.DllPath, "run", "--config", ConfigPath);
        _balancer = balancer;
        // 60 s, as for the other cold starts of a balancer process beside the rest of the suite.
        Poll.Until(() => ReadBalancerLog().Contains("balancer running") || balancer.HasExited, TimeSpan.FromSeconds(60), "balancer start");
        BalancerLog = ReadBalancerLog();
        Assert.False(balancer.HasExited, "balancer exited: " + BalancerLog);
    }

    /// <summary>The log of the current (latest) `balancer run`.</summary>
    public string ReadBalancerLog()
    {
        var path = Path.Combine(_dir.Path, _balancerLog);
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    public void RewriteConfig(JsonObject config)
    {
        var temp = ConfigPath + ".tmp";
        File.WriteAllText(temp, ConfigJson.Text(config));
        File.Move(temp, ConfigPath, overwrite: true);
    }

    /// <summary>GET through the VIP from the client namespace.</summary>
    public ProcessResult Curl(params string[] args) => Exec(Client, ["curl", "-s", "-m", "20", .. args]);

    /// <summary>The admin API of the balancer (it listens on loopback inside the balancer namespace).</summary>
    public string Admin(string method, string path) =>
        Exec(Topology.Layout.Balancer.Namespace, "curl", "-s", "-m", "5", "-X", method, $"http://127.0.0.1:9100{path}").StdOut;

    public static ProcessResult Exec(string ns, params string[] args) => Exec(ns, TimeSpan.FromSeconds(60), args);

    /// <summary>Runs a command in a lab namespace with its own time limit (a loop of many short commands on a loaded machine).</summary>
    public static ProcessResult Exec(string ns, TimeSpan timeout, params string[] args) =>
        ProcessRunner.Run("ip", ["netns", "exec", ns, .. args], timeout);

    /// <summary>Starts a process in a lab namespace (logged to <paramref name="log"/> in the lab's directory, stopped with the lab).</summary>
    public Process StartIn(string ns, string log, params string[] args) => Start(ns, log, args);

    /// <summary>A file in the lab's directory (for configs of extra processes).</summary>
    public string FilePath(string name) => Path.Combine(_dir.Path, name);

    private Process Start(string ns, string log, params string[] args)
    {
        var logPath = Path.Combine(_dir.Path, log);
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
}
