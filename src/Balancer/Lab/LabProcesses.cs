using System.Globalization;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Lab;

/// <summary>Starts, recognises and stops the long-running processes of a lab (web servers, decapsulators, routing daemons).</summary>
public static class LabProcesses
{
    /// <summary>Starts <paramref name="command"/> in namespace <paramref name="ns"/>, detached, output to <paramref name="logFile"/>; returns its PID.</summary>
    /// <remarks><c>ip netns exec</c> execs the command without forking, so the PID is the command's own.</remarks>
    public static int Start(string ns, IReadOnlyList<string> command, string logFile) =>
        ProcessRunner.StartDetached("ip", ["netns", "exec", ns, .. command], logFile);

    /// <summary>How to start this program again (e.g. for <c>balancer decap</c>): the executable, or <c>dotnet balancer.dll</c>.</summary>
    /// <exception cref="InvalidOperationException">The command line cannot be worked out.</exception>
    public static IReadOnlyList<string> SelfCommand()
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

    /// <summary>SIGTERM, up to 3 s to exit, then SIGKILL; collects it if it was our child.</summary>
    public static void Stop(LabProcess process)
    {
        Signal(process, "-TERM");
        var deadline = DateTime.UtcNow.AddSeconds(3);
        while (IsRunning(process) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        if (IsRunning(process))
        {
            Signal(process, "-KILL");
        }

        // A process started by this one (a lab built in-process, as the tests do) is our child: collect it.
        var reapDeadline = DateTime.UtcNow.AddSeconds(1);
        while (File.Exists($"/proc/{process.Pid}/status") && !ProcessRunner.Reap(process.Pid) && DateTime.UtcNow < reapDeadline && IsChild(process.Pid))
        {
            Thread.Sleep(10);
        }
    }

    /// <summary>True when the PID runs and its command line still contains the recorded word (a reused PID is never reported or killed).</summary>
    public static bool IsRunning(LabProcess process)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{process.Pid}/cmdline").Replace('\0', ' ');
            return cmdline.Contains(process.CommandWord, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void Signal(LabProcess process, string signal) =>
        ProcessRunner.Run("kill", [signal, process.Pid.ToString(CultureInfo.InvariantCulture)]);

    private static bool IsChild(int pid)
    {
        try
        {
            // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 1 && fields[1] == Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
