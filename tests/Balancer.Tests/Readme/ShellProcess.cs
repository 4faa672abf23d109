using System.Diagnostics;
using System.Text;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Tests.Readme;

/// <summary>
/// A README block run by bash as written (from a script file, in the repository root, stderr merged into stdout),
/// optionally inside a network namespace; its output is collected line by line so a test can wait for a line.
/// </summary>
public sealed class ShellProcess : IDisposable
{
    private static readonly Dictionary<string, string> BlockEnvironment = new()
    {
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        // Builds inside a block leave no build servers or MSBuild nodes running after the test.
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["UseSharedCompilation"] = "false",
    };

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _scriptPath;

    private ShellProcess(Process process, string scriptPath)
    {
        _process = process;
        _scriptPath = scriptPath;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Everything printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The process id of the bash running the block.</summary>
    public int Pid => _process.Id;

    /// <summary>Starts <paramref name="script"/> (after <paramref name="prelude"/>, if any) with bash.</summary>
    public static ShellProcess Start(string script, string? netns = null, string prelude = "")
    {
        var path = Path.Combine(Path.GetTempPath(), $"lbrd{Environment.ProcessId}-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, prelude + script);
        // bash -c 'exec bash FILE 2>&1': the block runs exactly as written, with one ordered output stream.
        string[] bash = ["-c", "exec bash \"$0\" 2>&1 </dev/null", path];
        var process = netns is null
            ? ProcessRunner.Start("bash", bash, redirectStdin: true, BlockEnvironment, ReadmeDocument.RepoRoot)
            : ProcessRunner.Start("ip", ["netns", "exec", netns, "bash", .. bash], redirectStdin: true, BlockEnvironment, ReadmeDocument.RepoRoot);
        return new ShellProcess(process, path);
    }

    /// <summary>Runs a block to its end; kills it (by PID, with its children) if it runs longer than <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string script, TimeSpan timeout, string? netns = null, string prelude = "")
    {
        using var shell = Start(script, netns, prelude);
        int code = await shell.WaitForExitAsync(timeout);
        return (code, shell.Output);
    }

    /// <summary>Waits for the block to end and returns its exit code; on timeout kills it and throws with its output.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"the block still ran after {timeout}; output:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>Polls the output until a line matches; throws with the output when the block ends or the deadline passes first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var line = Output.Split('\n').FirstOrDefault(match);
            if (line is not null)
            {
                return line;
            }
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the block ended (exit {_process.ExitCode}) before the expected line; output:\n{Output}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no expected line within {timeout}; output:\n{Output}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Kills the block and every process it started that is still its descendant.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Kill();
        _process.Dispose();
        File.Delete(_scriptPath);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Append(line).Append('\n');
        }
    }
}
