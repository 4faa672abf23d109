using System.Diagnostics;
using System.Globalization;

namespace LoadBalancer.Bench.Infra;

/// <summary>A long-running process the harness started inside a namespace; stopped by its own PID only.</summary>
internal sealed class NsProcess : IDisposable
{
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
        var psi = new ProcessStartInfo("sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec ip netns exec \"$0\" \"$@\" > \"$LOGFILE\" 2>&1 < /dev/null");
        psi.ArgumentList.Add(ns);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["LOGFILE"] = log;
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {what}");
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
        if (!_process.HasExited)
        {
            Shell.Run("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]);
            if (!_process.WaitForExit(5000))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }

        _process.Dispose();
    }
}
