using System.Diagnostics;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Bench.Infra;

/// <summary>A long-running process the harness started inside a namespace; stopped by its own PID only.</summary>
internal sealed class NsProcess : IDisposable
{
    private static readonly Dictionary<string, string> ChildEnvironment = new() { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" };
    private readonly Process _process;

    private NsProcess(Process process, string what, string log)
    {
        _process = process;
        What = what;
        LogPath = log;
    }

    /// <summary>What it is, for messages.</summary>
    public string What { get; }

    /// <summary>Its process id (`ip netns exec` execs the command, so this is the program's own PID).</summary>
    public int Pid => _process.Id;

    /// <summary>Where its stdout and stderr go.</summary>
    public string LogPath { get; }

    /// <summary>Whether it has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="args"/> in namespace <paramref name="ns"/>, output to <paramref name="log"/>.</summary>
    public static NsProcess Start(string ns, string what, string log, params string[] args)
    {
        var p = ProcessRunner.StartLogged("ip", ["netns", "exec", ns, .. args], log, ChildEnvironment);
        return new NsProcess(p, what, log);
    }

    /// <summary>Reads its log so far.</summary>
    public string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    /// <summary>Waits until <paramref name="ready"/> holds; throws with the log when the process exits or time runs out.</summary>
    public void WaitReady(Func<bool> ready, TimeSpan limit)
    {
        var sw = Stopwatch.StartNew();
        while (!ready())
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"{What} exited ({_process.ExitCode}): {ReadLog().Trim()}");
            }

            if (sw.Elapsed > limit)
            {
                throw new TimeoutException($"{What} not ready within {limit.TotalSeconds:0} s: {ReadLog().Trim()}");
            }

            Thread.Sleep(100);
        }
    }

    /// <summary>SIGTERM, then SIGKILL after 5 s; only this PID (nginx and haproxy masters stop their own workers).</summary>
    public void Dispose()
    {
        ProcessRunner.Stop(_process, TimeSpan.FromSeconds(5));
        _process.Dispose();
    }
}
