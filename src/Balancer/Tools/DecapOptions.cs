namespace LoadBalancer.Balancer.Tools;

/// <summary>Settings of the userspace IP-in-IP decapsulator.</summary>
/// <param name="TunName">Name of the TUN device the inner packets are written to.</param>
public sealed record DecapOptions(string TunName = DecapOptions.DefaultTunName)
{
    /// <summary>The TUN device name used when none is given.</summary>
    public const string DefaultTunName = "lbtun0";

    /// <summary>How long the receive loop waits for a packet before checking for Stop.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}
