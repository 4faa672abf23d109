using System.Globalization;
using System.Net;
using System.Text;
using LoadBalancer.Balancer.Lab;

namespace LoadBalancer.Bench.Infra;

/// <summary>
/// One lab for every contender: client, balancer and backends in namespaces (see <see cref="LabLayout"/>), built in
/// tunnel mode (VIP on the backends' lo, ARP sysctls, `balancer decap`) and switched per contender by replacing the
/// backends' route to the client subnet (<see cref="RouteMode"/>). Each backend runs its own nginx on :8080.
/// With IPv6 contenders in the run it is the lab's dual-stack plan (<c>lab up --family dual</c>): every node also has
/// its IPv6 address, the VIP6 is on the backends' lo, nginx listens on [::]:8080 too, and routes switch per family.
/// </summary>
internal sealed class BenchLab : IDisposable
{
    /// <summary>TCP port of the backends' nginx and of every contender's front.</summary>
    public const int HttpPort = 8080;

    /// <summary>UDP port the packet workload is sent to and counted on.</summary>
    public const int UdpPort = 5353;

    /// <summary>Path of the ~100-byte response.</summary>
    public const string SmallPath = "/small";

    /// <summary>Path of the 1 MiB file.</summary>
    public const string LargePath = "/1mb.bin";

    /// <summary>Size of the large file.</summary>
    public const int LargeBytes = 1 << 20;

    /// <summary>Path of a file the backends send at <see cref="SlowMegabytesPerSecond"/> (downloads that stay open for seconds).</summary>
    public const string SlowPath = "/slow.bin";

    /// <summary>Size of the slow file: 8 MiB, about 4 s at <see cref="SlowMegabytesPerSecond"/>.</summary>
    public const int SlowBytes = 8 << 20;

    /// <summary>Rate the backends send the slow file at (nginx limit_rate, MB/s).</summary>
    public const int SlowMegabytesPerSecond = 2;

    private readonly HashSet<string> _slowHashes = [];

    private readonly List<NsProcess> _nginx = [];
    private readonly TextWriter _log;
    private RouteMode? _routes;

    /// <summary>Prepares (does not build) a lab named <paramref name="prefix"/> with its files under <paramref name="workDir"/>.</summary>
    /// <remarks>With <paramref name="balancers"/> &gt;= 2 it is the lab's router topology: the client behind a BIRD router, that many balancer namespaces.</remarks>
    /// <remarks>With <paramref name="ipv6"/> the lab is dual-stack (the lab's <see cref="LabFamily.Dual"/>), for the IPv6 contenders.</remarks>
    public BenchLab(string prefix, int backends, string workDir, string balancerDll, TextWriter log, int balancers = 1, bool ipv6 = false)
    {
        WorkDir = workDir;
        BalancerDll = balancerDll;
        _log = log;
        Topology = new LabTopology(new LabOptions(prefix, backends, LabMode.Tunnel)
        {
            StateDirectory = Path.Combine(workDir, "lab"),
            SelfCommand = ["dotnet", balancerDll],
            Balancers = balancers,
            Family = ipv6 ? LabFamily.Dual : LabFamily.Ipv4,
        }, log);
    }

    /// <summary>The lab itself.</summary>
    public LabTopology Topology { get; }

    /// <summary>Names and addresses.</summary>
    public LabLayout Layout => Topology.Layout;

    /// <summary>Directory for configs and logs.</summary>
    public string WorkDir { get; }

    /// <summary>The balancer.dll run for our contenders.</summary>
    public string BalancerDll { get; }

    /// <summary>Whether the nodes have IPv6 addresses too (the IPv6 contenders run in this lab).</summary>
    public bool HasIpv6 => Topology.Options.HasIpv6;

    /// <summary>The VIP of a contender's family.</summary>
    public IPAddress VipOf(bool ipv6) => ipv6 ? Layout.Vip6 : Layout.Vip;

    /// <summary>A backend's address in a contender's family.</summary>
    public static IPAddress AddressOf(LabNode backend, bool ipv6) => ipv6 ? backend.Address6 : backend.Address;

    /// <summary>The base URL of <paramref name="address"/> on the HTTP port (an IPv6 literal in brackets).</summary>
    public static string HttpBaseOf(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"http://[{address}]:{HttpPort}" : $"http://{address}:{HttpPort}";

    /// <summary>Address every proxy contender listens on: the balancer's client-side address.</summary>
    public IPAddress ProxyAddress => Layout.BalancerClientSideAddress;

    /// <summary>PIDs of the backends' web servers and decapsulators (their CPU is reported as backend CPU).</summary>
    public IReadOnlyList<int> BackendPids =>
        [.. _nginx.Select(n => n.Pid), .. Topology.Status().Processes.Where(p => p.Running).Select(p => p.Process.Pid)];

    /// <summary>SHA-256 (upper-case hex) of each backend's copy of the slow file.</summary>
    public IReadOnlySet<string> SlowHashes => _slowHashes;

    /// <summary>Builds the namespaces, starts nginx in every backend and waits until each answers.</summary>
    public void Up()
    {
        Directory.CreateDirectory(WorkDir);
        Topology.Up();
        // Many short connections from one client: widen its port range and let it reuse TIME_WAIT ports.
        Shell.InNs(Layout.Client.Namespace, "sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=1024 65000");
        Shell.InNs(Layout.Client.Namespace, "sysctl", "-q", "-w", "net.ipv4.tcp_tw_reuse=1");
        foreach (var b in Layout.Backends)
        {
            var dir = Path.Combine(WorkDir, $"nginx-{b.Name}");
            _slowHashes.Add(WriteWebRoot(Path.Combine(dir, "www")));
            var conf = Path.Combine(dir, "nginx.conf");
            File.WriteAllText(conf, BackendNginxConfig(dir, b.Name, HasIpv6));
            var p = NsProcess.Start(b.Namespace, $"nginx {b.Name}", Path.Combine(dir, "stdout.log"),
                "nginx", "-e", Path.Combine(dir, "error.log"), "-c", conf, "-p", dir);
            _nginx.Add(p);
        }

        foreach (var b in Layout.Backends)
        {
            string[] urls = HasIpv6 ? [HttpBaseOf(b.Address) + SmallPath, HttpBaseOf(b.Address6) + SmallPath] : [HttpBaseOf(b.Address) + SmallPath];
            _nginx.Single(n => n.What == $"nginx {b.Name}").WaitReady(
                () => urls.All(url => Shell.Run("ip", ["netns", "exec", Layout.Balancer.Namespace, "curl", "-sg", "-m", "1", "-o", "/dev/null", "-w", "%{http_code}", url]).StdOut == "200"),
                TimeSpan.FromSeconds(15));
        }

        _log.WriteLine($"lab {Topology.Options.Prefix} up with nginx on {Layout.Backends.Count} backends");
    }

    /// <summary>Replaces every backend's route to the client subnet (no-op when already so).</summary>
    public void SetRoutes(RouteMode mode)
    {
        if (_routes == mode)
        {
            return;
        }

        // Behind a router the client net is reached through it, as the lab set it up.
        string[] onLink = Layout.Router is { } router ? ["via", router.Address.ToString(), "dev", LabLayout.InterfaceName] : ["dev", LabLayout.InterfaceName];
        foreach (var b in Layout.Backends)
        {
            string[] route = mode switch
            {
                RouteMode.ViaBalancer => ["via", Layout.Balancer.Address.ToString(), "dev", LabLayout.InterfaceName],
                RouteMode.Tunnel => [.. onLink, "advmss", "1440"],
                _ => onLink,
            };
            Shell.Checked("ip", ["-n", b.Namespace, "route", "replace", LabLayout.ClientSubnet, .. route]);
            if (HasIpv6)
            {
                Shell.Checked("ip", ["-n", b.Namespace, "-6", "route", "replace", LabLayout.ClientSubnet6, .. Route6(mode)]);
            }
        }

        _routes = mode;
    }

    /// <summary>A backend's IPv6 route to the client net in <paramref name="mode"/>, as the lab's own IPv6 half sets it per lab mode.</summary>
    private string[] Route6(RouteMode mode)
    {
        string[] onLink = Layout.Router is { } router ? ["via", router.Address6.ToString(), "dev", LabLayout.InterfaceName] : ["dev", LabLayout.InterfaceName];
        return mode switch
        {
            RouteMode.ViaBalancer => ["via", Layout.Balancer.Address6.ToString(), "dev", LabLayout.InterfaceName],
            // IPv6-in-IPv6 adds 40 bytes: 1500 - 40 (outer) - 40 (IPv6) - 20 (TCP).
            RouteMode.Tunnel => [.. onLink, "advmss", "1400"],
            _ => onLink,
        };
    }

    /// <summary>Stops the backends' nginx and removes the lab.</summary>
    public void Dispose()
    {
        foreach (var n in _nginx)
        {
            n.Dispose();
        }

        _nginx.Clear();
        foreach (var line in Topology.Down())
        {
            _log.WriteLine($"removed {line}");
        }
    }

    private static string WriteWebRoot(string root)
    {
        Directory.CreateDirectory(root);
        var data = new byte[LargeBytes];
        Random.Shared.NextBytes(data);
        File.WriteAllBytes(Path.Combine(root, LargePath.TrimStart('/')), data);
        var slow = new byte[SlowBytes];
        Random.Shared.NextBytes(slow);
        File.WriteAllBytes(Path.Combine(root, SlowPath.TrimStart('/')), slow);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(slow));
    }

    private static string BackendNginxConfig(string dir, string name, bool ipv6)
    {
        var listen6 = ipv6 ? $"listen [::]:{HttpPort} backlog=4096;" : "";
        // ~100 bytes of body: the backend's name, padded.
        var body = new StringBuilder($"{name} ").Append('x', 96 - name.Length).ToString();
        return string.Create(CultureInfo.InvariantCulture, $$"""
            daemon off;
            worker_processes 1;
            pid {{dir}}/nginx.pid;
            events { worker_connections 16384; }
            http {
              access_log off;
              client_body_temp_path {{dir}}/tmp-body;
              proxy_temp_path {{dir}}/tmp-proxy;
              keepalive_requests 10000000;
              keepalive_timeout 120s;
              sendfile on;
              tcp_nopush on;
              server {
                listen {{HttpPort}} backlog=4096;
                {{listen6}}
                root {{dir}}/www;
                location = {{SmallPath}} { default_type text/plain; return 200 "{{body}}\n"; }
                location = {{SlowPath}} { limit_rate {{SlowMegabytesPerSecond}}m; }
              }
            }
            """);
    }
}
