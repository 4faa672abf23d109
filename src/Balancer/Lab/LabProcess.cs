namespace LoadBalancer.Balancer.Lab;

/// <summary>A process the lab started, recorded so <c>lab down</c> can stop exactly it.</summary>
/// <param name="Namespace">The namespace it runs in.</param>
/// <param name="Pid">Its process id.</param>
/// <param name="What">What it is, for status output (e.g. "web server b1").</param>
/// <param name="CommandWord">A word of its command line, checked so a reused PID is never killed.</param>
public sealed record LabProcess(string Namespace, int Pid, string What, string CommandWord);
