namespace LoadBalancer.Balancer.Tools;

/// <summary>One thing a DSR or tunnel backend needs, how to check it and how to put it in place.</summary>
/// <param name="Description">What must hold, e.g. "net.ipv4.conf.all.arp_ignore = 1".</param>
/// <param name="Commands">Shell commands that establish it, shown to the user and used for --apply.</param>
/// <param name="Probe">Returns whether it holds now and the current state in words.</param>
/// <param name="Apply">Establishes it; null when it cannot be applied by a one-shot command (a daemon must run).</param>
public sealed record BackendSetting(
    string Description,
    IReadOnlyList<string> Commands,
    Func<(bool Ok, string Actual)> Probe,
    Action? Apply);
