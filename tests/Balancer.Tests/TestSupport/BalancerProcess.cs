using System.Diagnostics;

namespace LoadBalancer.Balancer.Tests.TestSupport;

/// <summary>Runs the real <c>balancer</c> executable (copied next to the tests) as a child process.</summary>
public static class BalancerProcess
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "balancer.dll");

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs <c>balancer ARGS</c> and waits at most <paramref name="timeout"/>; kills it (by its PID) if it is still running then.</summary>
    public static async Task<Result> RunAsync(TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(DllPath);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            throw new TimeoutException($"balancer {string.Join(' ', args)} still ran after {timeout}: {await stdout}{await stderr}");
        }
        return new Result(p.ExitCode, await stdout, await stderr);
    }
}
