namespace LoadBalancer.Modes.Tests.Fuzz;

/// <summary>Thrown by a fuzz harness when an invariant breaks (the fuzzer counts it as a crash, a replay test as a failure).</summary>
public sealed class HarnessFailureException(string message) : Exception(message);
