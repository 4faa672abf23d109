using System.Diagnostics;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Tests.TestSupport;

/// <summary>Stops processes a test started itself (by PID only): SIGTERM to all for a clean stop, then SIGKILL to any still running after 5 s.</summary>
public static class OwnProcesses
{
    public static void Stop(IEnumerable<Process> processes)
    {
        var list = processes.ToList();
        foreach (var p in list.Where(p => !p.HasExited))
        {
            ProcessRunner.Run("kill", ["-TERM", p.Id.ToString()]);
        }

        foreach (var p in list)
        {
            if (!p.WaitForExit(5000))
            {
                p.Kill(entireProcessTree: true);
            }

            p.Dispose();
        }
    }
}
