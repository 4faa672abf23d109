using System.Diagnostics;

namespace LoadBalancer.Balancer.Tools;

/// <summary>Runs short helper commands (ip, ethtool, sysctl) with arguments passed as a list, never through a shell.</summary>
/// <remarks>A child inherits the network namespace of the calling thread, so callers on a setns thread configure that namespace.</remarks>
public static class ProcessRunner
{
    /// <summary>Runs a command to completion (killing it after the timeout) and returns its exit code and output.</summary>
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)
            ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new ProcessResult(-1, stdout.Result, stderr.Result + $"\n{fileName} timed out");
        }

        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a command and throws with its stderr if it fails.</summary>
    /// <exception cref="InvalidOperationException">The command exited with a non-zero code.</exception>
    public static string RunChecked(string fileName, params string[] arguments)
    {
        var result = Run(fileName, arguments);
        if (!result.Ok)
        {
            throw new InvalidOperationException(
                $"`{fileName} {string.Join(' ', arguments)}` failed ({result.ExitCode}): {result.StdErr.Trim()}");
        }

        return result.StdOut;
    }

    /// <summary>Formats a command line for display, quoting arguments that contain spaces.</summary>
    public static string Format(string fileName, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { fileName }.Concat(arguments).Select(a => a.Contains(' ') ? $"'{a}'" : a));
}
