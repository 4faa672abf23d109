using System.Diagnostics;

namespace LoadBalancer.Balancer.Tests.Metrics;

/// <summary>Finds and runs the Prometheus tools (Debian package <c>prometheus</c>) for tests.</summary>
internal static class ExternalTool
{
    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs a tool with stdin text, waits at most <paramref name="timeout"/> (then kills it by its PID) and returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string path, string stdin, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            await p.WaitForExitAsync();
            throw new TimeoutException($"{path} {string.Join(' ', args)} still ran after {timeout}");
        }

        return (p.ExitCode, await stdout, await stderr);
    }
}
