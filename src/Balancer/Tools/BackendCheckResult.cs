namespace LoadBalancer.Balancer.Tools;

/// <summary>The state of one <see cref="BackendSetting"/> when checked.</summary>
/// <param name="Setting">The setting checked.</param>
/// <param name="Ok">Whether it holds.</param>
/// <param name="Actual">What was found, in words.</param>
public sealed record BackendCheckResult(BackendSetting Setting, bool Ok, string Actual);
