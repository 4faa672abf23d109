namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>What the warm-up did: synthetic frames run, frames the throwaway data plane forwarded, time taken.</summary>
public readonly record struct L4WarmUpResult(long Frames, long Forwarded, TimeSpan Elapsed);
