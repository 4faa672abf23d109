using System.Diagnostics;
using System.Globalization;

namespace LoadBalancer.Balancer.Tools;

/// <summary>Starts child processes (ip, ethtool, sysctl, tools, the balancer itself) with arguments passed as a list, never through a shell.</summary>
/// <remarks>A child inherits the network namespace of the calling thread, so callers on a setns thread configure that namespace.</remarks>
public static class ProcessRunner
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs a command to completion (killing it after the timeout) and returns its exit code and output.</summary>
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        using var process = Start(fileName, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? DefaultTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new ProcessResult(-1, stdout.Result, stderr.Result + $"\n{fileName} timed out") { TimedOut = true };
        }

        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a command to completion without blocking a thread, writing <paramref name="stdin"/> to it first; kills it (by its PID) after the timeout.</summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null, string? stdin = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(fileName, arguments, redirectStdin: stdin is not null, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new ProcessResult(-1, await stdout, await stderr + $"\n{fileName} timed out") { TimedOut = true };
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a command with standard output and error redirected (the caller reads or drains them) and returns the running process.</summary>
    /// <param name="fileName">The program.</param>
    /// <param name="arguments">Its arguments, one element each (no shell, no quoting).</param>
    /// <param name="redirectStdin">Whether the caller writes to its standard input.</param>
    /// <param name="environment">Variables to set or override in the child's environment.</param>
    /// <param name="workingDirectory">The child's working directory; null: this process's.</param>
    public static Process Start(
        string fileName, IEnumerable<string> arguments, bool redirectStdin = false, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
    }

    /// <summary>Starts a long-running command whose standard output and error are appended, line by line, to <paramref name="logPath"/>.</summary>
    public static Process StartLogged(string fileName, IEnumerable<string> arguments, string logPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = Start(fileName, arguments, environment: environment);
        DataReceivedEventHandler write = (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (log)
                {
                    log.WriteLine(line);
                }
            }
        };
        process.OutputDataReceived += write;
        process.ErrorDataReceived += write;
        // Closed once the process is gone; a line that arrives after that has nowhere to go and is dropped.
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            process.WaitForExit();
            lock (log)
            {
                log.Dispose();
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Stops a process this program started, by its own PID: SIGTERM, then SIGKILL to it and its descendants after <paramref name="grace"/>.</summary>
    public static void Stop(Process process, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(process);
        try
        {
            if (process.HasExited)
            {
                return;
            }

            Run("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            if (!process.WaitForExit(grace))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(grace);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone (or never started).
        }
    }

    /// <summary>
    /// Starts a long-running command detached from us: stdin from /dev/null, stdout and stderr appended to
    /// <paramref name="logPath"/> (no pipe of ours stays open), its own session; returns its PID.
    /// </summary>
    /// <exception cref="InvalidOperationException">The command could not be started.</exception>
    public static int StartDetached(string fileName, IEnumerable<string> arguments, string logPath) =>
        PosixSpawn.Start([fileName, .. arguments], logPath);

    /// <summary>Collects a detached child that has exited (see <see cref="StartDetached"/>); true if it had.</summary>
    public static bool Reap(int pid) => PosixSpawn.Reap(pid);

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
