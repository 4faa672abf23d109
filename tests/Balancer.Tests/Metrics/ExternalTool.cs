using LoadBalancer.Balancer.Tools;

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
        var result = await ProcessRunner.RunAsync(path, args, timeout, stdin);
        if (result.TimedOut)
        {
            throw new TimeoutException($"{path} {string.Join(' ', args)} still ran after {timeout}");
        }

        return (result.ExitCode, result.StdOut, result.StdErr);
    }
}
