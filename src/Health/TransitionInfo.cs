namespace LoadBalancer.Health;

/// <summary>When a backend's health last changed, and why.</summary>
/// <param name="At">When the change happened.</param>
/// <param name="Reason">Why, e.g. "3 consecutive failures, last: Timeout: no answer within 2s".</param>
public readonly record struct TransitionInfo(DateTimeOffset At, string Reason);
