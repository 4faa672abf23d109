namespace LoadBalancer.Balancer.Tools;

/// <summary>The outcome of one finished child process.</summary>
/// <param name="ExitCode">The process exit code (-1 if it was killed on timeout).</param>
/// <param name="StdOut">Everything the process wrote to standard output.</param>
/// <param name="StdErr">Everything the process wrote to standard error.</param>
public readonly record struct ProcessResult(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>True when the process exited with code 0.</summary>
    public bool Ok => ExitCode == 0;

    /// <summary>True when the process was killed because it outran its timeout.</summary>
    public bool TimedOut { get; init; }
}
