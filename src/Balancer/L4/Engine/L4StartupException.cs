namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>The L4 engine cannot start here; <see cref="Problems"/> says every reason.</summary>
public sealed class L4StartupException(IReadOnlyList<string> problems)
    : Exception("the L4 engine cannot start:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
{
    /// <summary>Each problem, with what to do about it.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}
