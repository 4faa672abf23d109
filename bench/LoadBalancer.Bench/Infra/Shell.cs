using System.Diagnostics;

namespace LoadBalancer.Bench.Infra;

/// <summary>Runs short commands and waits for them, with a time limit.</summary>
internal static class Shell
{
    /// <summary>The outcome of a command.</summary>
    public readonly record struct Result(int ExitCode, string StdOut, string StdErr)
    {
        /// <summary>True when the command exited with 0.</summary>
        public bool Ok => ExitCode == 0;
    }

    /// <summary>Runs a command; a time-out kills it and reports exit code -1.</summary>
    public static Result Run(string file, IEnumerable<string> args, TimeSpan? limit = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit ?? TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return new Result(-1, stdout.Result, stderr.Result + "\n(timed out)");
        }

        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

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
