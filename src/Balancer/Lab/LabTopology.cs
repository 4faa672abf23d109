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

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

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

        Options = options;
        Layout = LabLayout.For(options);
        _log = log ?? TextWriter.Null;
    }

    /// <summary>The options this lab was made with.</summary>
    public LabOptions Options { get; }

    /// <summary>Names and addresses of every piece of the lab.</summary>
    public LabLayout Layout { get; }

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
            Ip(Layout.SwitchNamespace, "link", "add", LabLayout.BridgeName, "type", "bridge");
            Ip(Layout.SwitchNamespace, "link", "set", LabLayout.BridgeName, "up");
            foreach (var node in Hosts())
            {
                Wire(node);
            }

            ConfigureClient();
            ConfigureBalancer();
            foreach (var backend in Layout.Backends)
            {
                ConfigureBackend(backend);
                processes.Add(StartWebServer(backend, webServer));
                SaveState(namespaces, processes, webServer);
                if (Options.Mode == LabMode.Tunnel)
                {
                    if (StartTunnelEndpoint(backend) is { } decap)
                    {
                        processes.Add(decap);
                        SaveState(namespaces, processes, webServer);
                    }
                }
            }

            WaitForWebServers();
            _log.WriteLine($"lab {Options.Prefix} up: mode {Options.Mode.ToString().ToLowerInvariant()}, VIP {Layout.Vip}, "
                + $"{Layout.Backends.Count} backends ({webServer.Name})");
            return new LabState(Options.Prefix, Options.Mode, namespaces, processes, webServer.Name);
        }
        catch
        {
            Down();
            throw;
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
                StopProcess(process);
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

    /// <summary>Reports which of the lab's namespaces and processes exist.</summary>
    public LabStatus Status()
    {
        LabState? state = null;
        if (File.Exists(StateFile))
        {
            try
            {
                state = JsonSerializer.Deserialize<LabState>(File.ReadAllText(StateFile), Json);
            }
            catch (JsonException)
            {
                // A half-written state file still means a lab exists; namespaces are found by name below.
                state = new LabState(Options.Prefix, Options.Mode, [], [], "unknown");
            }
        }

        var existing = ListNamespaces().Where(IsLabNamespace).ToHashSet(StringComparer.Ordinal);
        var names = existing.Concat(state?.Namespaces ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var namespaces = names.Select(n => (n, existing.Contains(n))).ToList();
        var processes = (state?.Processes ?? []).Select(p => (p, IsRunning(p))).ToList();
        var listening = namespaces.Where(n => n.Item2 && IsLabNamespace(n.Item1) && BackendSuffix().IsMatch(n.Item1[(Options.Prefix.Length + 1)..]))
            .Select(n => (n.Item1, ListeningTcp(n.Item1))).ToList();
        return new LabStatus(Options.Prefix, state, namespaces, processes, listening);
    }

    /// <summary>The local IP:port of every listening TCP socket in a namespace (from <c>ss -Hltn</c>).</summary>
    private static IReadOnlyList<string> ListeningTcp(string ns)
    {
        // Columns: State Recv-Q Send-Q Local-Address:Port Peer-Address:Port [Process]
        var result = ProcessRunner.Run("ip", ["netns", "exec", ns, "ss", "-Hltn"]);
        return result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(columns => columns.Length >= 4)
            .Select(columns => columns[3])
            .Order(StringComparer.Ordinal)
            .ToList();
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

    private IEnumerable<LabNode> Hosts() => new[] { Layout.Client, Layout.Balancer }.Concat(Layout.Backends);

    private void Wire(LabNode node)
    {
        string sw = Layout.SwitchNamespace;
        ProcessRunner.RunChecked(
            "ip", "link", "add", LabLayout.InterfaceName, "netns", node.Namespace, "type", "veth", "peer", "name", node.Name, "netns", sw);
        Ip(node.Namespace, "link", "set", LabLayout.InterfaceName, "address", node.Mac);
        DisableOffloads(node.Namespace, LabLayout.InterfaceName);
        DisableOffloads(sw, node.Name);
        Ip(sw, "link", "set", node.Name, "master", LabLayout.BridgeName);
        Ip(sw, "link", "set", node.Name, "up");
        Ip(node.Namespace, "link", "set", LabLayout.InterfaceName, "up");
    }

    private void ConfigureClient()
    {
        var c = Layout.Client;
        Ip(c.Namespace, "addr", "add", $"{c.Address}/24", "dev", LabLayout.InterfaceName);
        Ip(c.Namespace, "route", "add", LabLayout.ServerSubnet, "dev", LabLayout.InterfaceName);
    }

    private void ConfigureBalancer()
    {
        var lb = Layout.Balancer;
        Ip(lb.Namespace, "addr", "add", $"{lb.Address}/24", "dev", LabLayout.InterfaceName);
        Ip(lb.Namespace, "addr", "add", $"{Layout.BalancerClientSideAddress}/24", "dev", LabLayout.InterfaceName);

        // With forwarding on, the kernel would also route un-rewritten NAT replies to the client.
        Sysctl(lb.Namespace, "net.ipv4.ip_forward", "0");
    }

    private void ConfigureBackend(LabNode backend)
    {
        string ns = backend.Namespace;
        Ip(ns, "addr", "add", $"{backend.Address}/24", "dev", LabLayout.InterfaceName);
        if (Options.Mode == LabMode.Nat)
        {
            Ip(ns, "route", "add", "default", "via", Layout.Balancer.Address.ToString());
        }
        else if (Options.Mode == LabMode.Tunnel)
        {
            // The client's segments gain a 20-byte outer header on the way in, and the SYN-ACK that sets their size
            // goes straight back: only the backend can advertise the smaller MSS (1500 - 20 - 40).
            Ip(ns, "route", "add", LabLayout.ClientSubnet, "dev", LabLayout.InterfaceName, "advmss", "1440");
        }
        else
        {
            Ip(ns, "route", "add", LabLayout.ClientSubnet, "dev", LabLayout.InterfaceName);
        }

        if (Options.Mode is LabMode.Dsr or LabMode.Tunnel)
        {
            Ip(ns, "addr", "add", $"{Layout.Vip}/32", "dev", "lo");
            Sysctl(ns, "net.ipv4.conf.all.arp_ignore", "1");
            Sysctl(ns, "net.ipv4.conf.all.arp_announce", "2");
            Sysctl(ns, "net.ipv4.conf.all.rp_filter", "0");
            Sysctl(ns, $"net.ipv4.conf.{LabLayout.InterfaceName}.rp_filter", "0");
        }
    }

    private LabProcess StartWebServer(LabNode backend, LabWebServer server)
    {
        var root = Path.Combine(WorkDirectory, backend.Name);
        WriteWebRoot(root, backend.Name);
        var args = server.Arguments(LabWebServer.AllAddresses, Options.HttpPort, root);
        int pid = StartDetached(backend.Namespace, args, Path.Combine(WorkDirectory, $"{backend.Name}-http.log"));
        return new LabProcess(backend.Namespace, pid, $"{server.Name} {backend.Name}", server.CommandWord);
    }

    private LabProcess? StartTunnelEndpoint(LabNode backend)
    {
        string ns = backend.Namespace;
        if (BackendSetupPlan.KernelHasIpip)
        {
            Ip(ns, "link", "set", "tunl0", "up");
            Sysctl(ns, "net.ipv4.conf.tunl0.rp_filter", "0");
            return null;
        }

        if (!Options.StartDecap)
        {
            _log.WriteLine($"{backend.Name}: no ipip module; start `balancer decap` in {ns} yourself");
            return null;
        }

        var self = Options.SelfCommand ?? SelfCommand();
        int pid = StartDetached(ns, [.. self, "decap", "--stats-interval", "0"], Path.Combine(WorkDirectory, $"{backend.Name}-decap.log"));
        return new LabProcess(ns, pid, $"decap {backend.Name}", "decap");
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
            var url = $"http://{backend.Address}:{Options.HttpPort}/";
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

    private static int StartDetached(string ns, IReadOnlyList<string> command, string logFile)
    {
        // sh starts the job in the background and prints its PID; `ip netns exec` execs the command without forking,
        // so that PID is the server's. Output goes to a file so no pipe of ours is held open after we exit.
        var line = string.Join(' ', new[] { "ip", "netns", "exec", ns }.Concat(command).Select(Quote));
        var script = $"{line} >{Quote(logFile)} 2>&1 </dev/null & echo $!";
        var output = ProcessRunner.RunChecked("sh", "-c", script).Trim();
        if (!int.TryParse(output, NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
        {
            throw new InvalidOperationException($"could not start {string.Join(' ', command)} in {ns}: {output}");
        }

        return pid;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static IReadOnlyList<string> SelfCommand()
    {
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell how to start balancer decap");
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            // Under `dotnet balancer.dll` the first command-line argument is the dll (Assembly.Location is empty in a single-file build).
            var entry = Environment.GetCommandLineArgs()[0];
            return string.IsNullOrEmpty(entry) || !File.Exists(entry) ? throw new InvalidOperationException("cannot find balancer.dll") : [processPath, Path.GetFullPath(entry)];
        }

        return [processPath];
    }

    private static void StopProcess(LabProcess process)
    {
        ProcessRunner.Run("kill", ["-TERM", process.Pid.ToString(CultureInfo.InvariantCulture)]);
        var deadline = DateTime.UtcNow.AddSeconds(3);
        while (IsRunning(process) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        if (IsRunning(process))
        {
            ProcessRunner.Run("kill", ["-KILL", process.Pid.ToString(CultureInfo.InvariantCulture)]);
        }
    }

    private static bool IsRunning(LabProcess process)
    {
        try
        {
            // The command-line check makes sure a PID reused by an unrelated process is never reported or killed.
            var cmdline = File.ReadAllText($"/proc/{process.Pid}/cmdline").Replace('\0', ' ');
            return cmdline.Contains(process.CommandWord, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static IEnumerable<string> ListNamespaces()
    {
        var result = ProcessRunner.Run("ip", ["netns", "list"]);
        return result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ')[0]);
    }

    private bool IsLabNamespace(string name) =>
        name.StartsWith(Options.Prefix + "-", StringComparison.Ordinal)
        && HostSuffix().IsMatch(name[(Options.Prefix.Length + 1)..]);

    private void SaveState(List<string> namespaces, List<LabProcess> processes, LabWebServer server)
    {
        Directory.CreateDirectory(Options.StateDirectory);
        var state = new LabState(Options.Prefix, Options.Mode, namespaces.ToList(), processes.ToList(), server.Name);
        File.WriteAllText(StateFile, JsonSerializer.Serialize(state, Json));
    }

    private static void Ip(string ns, params string[] args) => ProcessRunner.RunChecked("ip", ["-n", ns, .. args]);

    private static void Sysctl(string ns, string key, string value) =>
        ProcessRunner.RunChecked("ip", "netns", "exec", ns, "sysctl", "-q", "-w", $"{key}={value}");

    private static void DisableOffloads(string ns, string device)
    {
        // veth has some fixed features, so ethtool may exit non-zero after switching off the ones it can.
        ProcessRunner.Run("ip", ["netns", "exec", ns, "ethtool", "-K", device, "tx", "off", "tso", "off", "gso", "off", "gro", "off"]);
    }

    [GeneratedRegex("^[a-z][a-z0-9]{0,11}$")]
    private static partial Regex PrefixPattern();

    [GeneratedRegex(@"^(c|lb|sw|b\d+)$")]
    private static partial Regex HostSuffix();

    [GeneratedRegex(@"^b\d+$")]
    private static partial Regex BackendSuffix();
}
