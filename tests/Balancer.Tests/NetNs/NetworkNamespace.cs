using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Tests.NetNs;

/// <summary>A network namespace made for one test: created on construction, deleted (with its processes) on Dispose.</summary>
/// <remarks>
/// Names are <c>lbw{pid}{suffix}</c>, so parallel runs never clash and a leftover is traceable to its process.
/// A process-exit hook deletes anything a crashed test left behind.
/// </remarks>
public sealed class NetworkNamespace : IDisposable
{
    /// <summary>Every namespace name this helper creates starts with this.</summary>
    public static readonly string Prefix = $"lbw{Environment.ProcessId}";

    private static readonly ConcurrentDictionary<string, byte> Live = new();
    private readonly List<Process> _processes = [];
    private bool _disposed;

    static NetworkNamespace()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var name in Live.Keys)
            {
                ProcessRunner.Run("ip", ["netns", "del", name]);
            }
        };
    }

    private NetworkNamespace(string name)
    {
        Name = name;
    }

    /// <summary>True when the tests run as root (needed to create namespaces).</summary>
    public static bool IsRoot => Environment.UserName == "root" || GetEuid() == 0;

    /// <summary>The namespace name (as in <c>ip netns list</c>).</summary>
    public string Name { get; }

    /// <summary>Creates <c>lbw{pid}{suffix}</c> (or <c>{prefix}{pid mod 100000}{suffix}</c>) and brings its loopback up.</summary>
    public static NetworkNamespace Create(string suffix, string? prefix = null)
    {
        var name = (prefix is null ? Prefix : prefix + (Environment.ProcessId % 100000)) + suffix;
        if (name.Length > 15)
        {
            // Names are also used in veth peer names and /var/run paths; keep them short.
            throw new ArgumentException($"namespace name {name} is longer than 15 characters", nameof(suffix));
        }

        ProcessRunner.Run("ip", ["netns", "del", name]);
        ProcessRunner.RunChecked("ip", "netns", "add", name);
        Live[name] = 0;
        var ns = new NetworkNamespace(name);
        ns.Ip("link", "set", "lo", "up");
        return ns;
    }

    /// <summary>Creates a veth pair with one end in each namespace, offloads off on both, both ends up.</summary>
    public static void AddVeth(NetworkNamespace a, string nameInA, NetworkNamespace b, string nameInB)
    {
        ProcessRunner.RunChecked(
            "ip", "link", "add", nameInA, "netns", a.Name, "type", "veth", "peer", "name", nameInB, "netns", b.Name);
        a.DisableOffloads(nameInA);
        b.DisableOffloads(nameInB);
        a.Ip("link", "set", nameInA, "up");
        b.Ip("link", "set", nameInB, "up");
    }

    /// <summary>Runs <c>ip -n NAME args</c> and throws if it fails.</summary>
    public string Ip(params string[] args) => ProcessRunner.RunChecked("ip", ["-n", Name, .. args]);

    /// <summary>Runs a command inside the namespace with <c>ip netns exec</c> and returns its result.</summary>
    public ProcessResult Exec(string fileName, params string[] args) =>
        ProcessRunner.Run("ip", ["netns", "exec", Name, fileName, .. args]);

    /// <summary>Runs a command inside the namespace and throws if it fails.</summary>
    public string ExecChecked(string fileName, params string[] args)
    {
        var result = Exec(fileName, args);
        if (!result.Ok)
        {
            throw new InvalidOperationException(
                $"`{fileName} {string.Join(' ', args)}` in {Name} failed ({result.ExitCode}): {result.StdErr.Trim()}");
        }

        return result.StdOut;
    }

    /// <summary>Starts a long-running process inside the namespace; it is killed on Dispose.</summary>
    public Process StartProcess(string fileName, params string[] args)
    {
        var process = ProcessRunner.Start("ip", ["netns", "exec", Name, fileName, .. args]);
        _processes.Add(process);
        return process;
    }

    /// <summary>Switches offloads off on an interface (pcap must see real-sized frames with full checksums).</summary>
    public void DisableOffloads(string interfaceName)
    {
        // Some veth features are fixed; ethtool then exits non-zero although the settable ones changed.
        Exec("ethtool", "-K", interfaceName, "tx", "off", "tso", "off", "gso", "off", "gro", "off");
    }

    /// <summary>Writes a sysctl inside the namespace (key in dotted form).</summary>
    public void Sysctl(string key, string value) => ExecChecked("sysctl", "-q", "-w", $"{key}={value}");

    /// <summary>Runs a function on a new thread that has joined this namespace with setns(2), and returns its result.</summary>
    public T Run<T>(Func<T> function) => RunIn(Name, function);

    /// <summary>Runs a function on a new thread that has joined the named namespace (one this test made) with setns(2).</summary>
    public static T RunIn<T>(string namespaceName, Func<T> function)
    {
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var path = $"/var/run/netns/{namespaceName}";
        var thread = new Thread(() =>
        {
            try
            {
                // If setns fails the function never runs, so nothing touches the root namespace by mistake.
                Enter(path);
                result = function();
            }
            catch (Exception ex)
            {
                error = ExceptionDispatchInfo.Capture(ex);
            }
        })
        {
            IsBackground = true,
            Name = $"netns {namespaceName}",
        };
        thread.Start();
        thread.Join();
        error?.Throw();
        return result;
    }

    /// <summary>Runs an action on a new thread inside this namespace and waits for it.</summary>
    public void Run(Action action) => Run(() =>
    {
        action();
        return 0;
    });

    /// <summary>Starts a background thread inside this namespace (sockets and pcap handles it opens live in the namespace).</summary>
    /// <remarks>If setns fails the process fails loudly (unhandled exception) rather than run the action in the root namespace.</remarks>
    public Thread StartThread(Action action)
    {
        var path = $"/var/run/netns/{Name}";
        var thread = new Thread(() =>
        {
            Enter(path);
            action();
        })
        {
            IsBackground = true,
            Name = $"netns {Name}",
        };
        thread.Start();
        return thread;
    }

    /// <summary>Kills processes started here and deletes the namespace.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }

        ProcessRunner.Run("ip", ["netns", "del", Name]);
        Live.TryRemove(Name, out _);
    }

    private static void Enter(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        if (Libc.SetNs((int)handle.DangerousGetHandle(), Libc.CloneNewNet) != 0)
        {
            throw new InvalidOperationException($"setns({path}) failed: {Libc.LastErrorText()}");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();
}
