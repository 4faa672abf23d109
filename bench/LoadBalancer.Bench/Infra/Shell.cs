using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Bench.Infra;

/// <summary>The harness's short commands, run with <see cref="ProcessRunner"/> (argument lists, a time limit).</summary>
internal static class Shell
{
    /// <summary>Runs a command; a time-out (60 s unless given) kills it and reports exit code -1.</summary>
    public static ProcessResult Run(string file, IEnumerable<string> args, TimeSpan? limit = null) =>
        ProcessRunner.Run(file, args, limit ?? TimeSpan.FromSeconds(60));

    /// <summary>Runs a command and throws with its output when it fails.</summary>
    public static string Checked(string file, params string[] args)
    {
        var r = Run(file, args);
        if (!r.Ok)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({r.ExitCode}): {r.StdErr.Trim()} {r.StdOut.Trim()}");
        }

        return r.StdOut;
    }

    /// <summary>Runs a command inside a namespace and throws when it fails.</summary>
    public static string InNs(string ns, params string[] args) => Checked("ip", ["netns", "exec", ns, .. args]);

    /// <summary>Returns whether an executable is on PATH.</summary>
    public static bool Has(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/usr/sbin:/bin:/sbin").Split(':')
        .Any(dir => File.Exists(Path.Combine(dir, name)));
}
