using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Lab;

/// <summary>
/// Builds, inspects and removes a one-machine test network of namespaces (client, balancer, N backends, joined by a
/// bridge in a switch namespace) prepared for one forwarding mode; see <see cref="LabLayout"/> for addresses.
/// </summary>
public sealed partial class LabTopology
{
    /// <summary>Size of the large file every backend serves as <c>/1mb.bin</c>.</summary>
    public const int LargeFileBytes = 1 << 20;

    /// <summary>Path of the large file on every backend.</summary>
    public const string LargeFilePath = "/1mb.bin";


    private readonly TextWriter _log;

    /// <summary>Creates a topology handle; nothing is built until <see cref="Up"/>.</summary>
    /// <exception cref="ArgumentException">The prefix or backend count is out of range.</exception>
    public LabTopology(LabOptions options, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!PrefixPattern().IsMatch(options.Prefix))
        {
            throw new ArgumentException($"lab name '{options.Prefix}' must be 1 to 12 lowercase letters or digits, starting with a letter", nameof(options));
        }

        if (options.Backends is < 1 or > 50)
        {
            throw new ArgumentException($"--backends {options.Backends} must be between 1 and 50", nameof(options));
        }

        if (options.Balancers is < 1 or > LabOptions.MaxBalancers)
        {
            throw new ArgumentException($"--balancers {options.Balancers} must be between 1 and {LabOptions.MaxBalancers}", nameof(options));
        }

        if (options.Balancers > 1 && options.Mode == LabMode.Nat)
        {
            throw new ArgumentException(
                "--mode nat cannot run with --balancers: NAT backends send their replies back through one balancer (their default route), "
                + "so the flows of the others would break; use dsr, tunnel or fullnat", nameof(options));
        }

        Options = options;
        Layout = LabLayout.For(options);
        _log = log ?? TextWriter.Null;
    }

    /// <summary>The options this lab was made with.</summary>
    public LabOptions Options { get; }

    /// <summary>Names and addresses of every piece of the lab.</summary>
    public LabLayout Layout { get; }

    /// <summary>
    /// Where <see cref="Up"/> writes the balancer config made for this lab (<see cref="LabBalancerConfig"/>; one-balancer
    /// labs only: behind a router each balancer needs its own announce settings and sources).
    /// </summary>
    public string BalancerConfigFile => Path.Combine(WorkDirectory, "balancer.json");

    /// <summary>The state file path.</summary>
    public string StateFile => Path.Combine(Options.StateDirectory, $"{Options.Prefix}.json");

    private string WorkDirectory => Path.Combine(Options.StateDirectory, Options.Prefix);

    /// <summary>Builds the lab; on any failure removes what was made and rethrows.</summary>
    /// <exception cref="InvalidOperationException">The lab already exists, a tool is missing, or a command failed.</exception>
    public LabState Up()
    {
        if (Status().AnythingExists)
        {
            throw new InvalidOperationException($"lab {Options.Prefix} already exists: run `balancer lab down --name {Options.Prefix}` first");
        }

        var webServer = LabWebServer.Detect() ?? throw new InvalidOperationException(LabWebServer.MissingMessage);
        var namespaces = new List<string>();
        var processes = new List<LabProcess>();
        try
        {
            Directory.CreateDirectory(WorkDirectory);
            foreach (var ns in Layout.Namespaces.Reverse())
            {
                ProcessRunner.RunChecked("ip", "netns", "add", ns);
                namespaces.Add(ns);
                SaveState(namespaces, processes, webServer);
                Ip(ns, "link", "set", "lo", "up");
            }

            _log.WriteLine($"namespaces: {string.Join(' ', namespaces)}");
            BuildNetwork();
            if (Layout.Router is { } router)
            {
                processes.AddRange(StartBirds(router));
                SaveState(namespaces, processes, webServer);
            }

            foreach (var backend in Layout.Backends)
            {
                ConfigureBackend(backend);
                processes.Add(StartWebServer(backend, webServer));
                SaveState(namespaces, processes, webServer);
                if (Options.Mode == LabMode.Tunnel && StartTunnelEndpoint(backend) is { } decap)
                {
                    processes.Add(decap);
                    SaveState(namespaces, processes, webServer);
                }
            }

            WaitForWebServers();
            if (Layout.Router is { } r)
            {
                WaitForBgp(r);
            }

            _log.WriteLine($"lab {Options.Prefix} up: mode {Options.Mode.ToString().ToLowerInvariant()}, "
                + (Options.HasIpv4 ? $"VIP {Layout.Vip}" : "") + (Options.Family == LabFamily.Dual ? " and " : "")
                + (Options.HasIpv6 ? $"VIP6 {Layout.Vip6}" : "") + ", "
                + $"{Layout.Backends.Count} backends ({webServer.Name})"
                + (Layout.Router is null ? "" : $", {Layout.Balancers.Count} balancers behind router {Layout.Router.Namespace} (BIRD)"));
            WriteBalancerConfig();
            return new LabState(Options.Prefix, Options.Mode, namespaces, processes, webServer.Name, Options.Family);
        }
        catch
        {
            Down();
            throw;
        }
    }

    private void BuildNetwork()
    {
        Ip(Layout.SwitchNamespace, "link", "add", LabLayout.BridgeName, "type", "bridge");
        Ip(Layout.SwitchNamespace, "link", "set", LabLayout.BridgeName, "up");
        foreach (var node in Hosts())
        {
            Wire(node);
        }

        if (Layout.Router is { } router)
        {
            ConfigureRouterAndClient(router);
            foreach (var lb in Layout.Balancers)
            {
                ConfigureBalancerBehindRouter(lb);
            }
        }
        else
        {
            ConfigureClient();
            ConfigureBalancer();
        }
    }

    /// <summary>Stops the lab's processes and deletes its namespaces and files; returns what was removed.</summary>
    public IReadOnlyList<string> Down()
    {
        var removed = new List<string>();
        var status = Status();
        foreach (var (process, running) in status.Processes)
        {
            if (running)
            {
                LabProcesses.Stop(process);
                removed.Add($"process {process.Pid} ({process.What})");
            }
        }

        // Hosts before the switch: deleting a host namespace destroys its veth and with it the bridge port.
        foreach (var (name, exists) in status.Namespaces.OrderBy(n => n.Name.EndsWith("-sw", StringComparison.Ordinal)))
        {
            if (exists)
            {
                ProcessRunner.Run("ip", ["netns", "del", name]);
                removed.Add($"namespace {name}");
            }
        }

        if (Directory.Exists(WorkDirectory))
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }

        if (File.Exists(StateFile))
        {
            File.Delete(StateFile);
            removed.Add($"state {StateFile}");
        }

        return removed;
    }

    /// <summary>Writes the backends' web roots: an index naming the backend and a large file.</summary>
    internal static void WriteWebRoot(string root, string backendName)
    {
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "index.html"), backendName + "\n");
        File.WriteAllBytes(Path.Combine(root, LargeFilePath.TrimStart('/')), LargeFileContent());
    }

    /// <summary>The content of <see cref="LargeFilePath"/>, the same on every backend (so a download can be checked by hash).</summary>
    public static byte[] LargeFileContent()
    {
        var data = new byte[LargeFileBytes];
        for (int i = 0; i < data.Length; i++)
        {
            // A pattern that is not periodic at small powers of two, so a dropped or duplicated segment shows.
            data[i] = (byte)((i * 131) ^ (i >> 11));
        }

        return data;
    }

    private void WriteBalancerConfig()
    {
        if (Layout.Router is null)
        {
            File.WriteAllText(BalancerConfigFile, LabBalancerConfig.Build(Layout));
        }
    }

    private void WaitForWebServers()
    {
        if (LabWebServer.FindOnPath("curl") is null)
        {
            _log.WriteLine("curl not found: not waiting for the web servers to answer");
            return;
        }

        foreach (var backend in Layout.Backends)
        {
            var url = BackendUrl(backend);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                // From the balancer's namespace: it shares the server subnet with every backend in every mode.
                var result = ProcessRunner.Run(
                    "ip", ["netns", "exec", Layout.Balancer.Namespace, "curl", "-s", "-m", "1", "-o", "/dev/null", "-w", "%{http_code}", url]);
                if (result.StdOut.Trim() == "200")
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"web server on {backend.Name} ({url}) did not answer within 10 s");
                }

                Thread.Sleep(50);
            }
        }
    }

    private bool IsLabNamespace(string name) =>
        name.StartsWith(Options.Prefix + "-", StringComparison.Ordinal)
        && HostSuffix().IsMatch(name[(Options.Prefix.Length + 1)..]);

    private void SaveState(List<string> namespaces, List<LabProcess> processes, LabWebServer server)
    {
        Directory.CreateDirectory(Options.StateDirectory);
        var state = new LabState(Options.Prefix, Options.Mode, namespaces.ToList(), processes.ToList(), server.Name, Options.Family);
        File.WriteAllText(StateFile, JsonSerializer.Serialize(state, LabJsonContext.Default.LabState));
    }

    [GeneratedRegex("^[a-z][a-z0-9]{0,11}$")]
    private static partial Regex PrefixPattern();

    [GeneratedRegex(@"^(c|lb|lb\d+|r|sw|b\d+)$")]
    private static partial Regex HostSuffix();

    [GeneratedRegex(@"^b\d+$")]
    private static partial Regex BackendSuffix();
}
