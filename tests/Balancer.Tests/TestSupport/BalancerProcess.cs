using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Tests.TestSupport;

/// <summary>Runs the real <c>balancer</c> executable (copied next to the tests) as a child process.</summary>
public static class BalancerProcess
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "balancer.dll");

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs <c>balancer ARGS</c> and waits at most <paramref name="timeout"/>; kills it (by its PID) if it is still running then.</summary>
    public static async Task<Result> RunAsync(TimeSpan timeout, params string[] args)
    {
        var result = await ProcessRunner.RunAsync("dotnet", [DllPath, .. args], timeout);
        if (result.TimedOut)
        {
            throw new TimeoutException($"balancer {string.Join(' ', args)} still ran after {timeout}: {result.StdOut}{result.StdErr}");
        }
        return new Result(result.ExitCode, result.StdOut, result.StdErr);
    }

    /// <summary>Starts <c>balancer ARGS</c> with its output redirected; the caller stops it.</summary>
    public static System.Diagnostics.Process Start(params string[] args) => ProcessRunner.Start("dotnet", [DllPath, .. args]);
}
