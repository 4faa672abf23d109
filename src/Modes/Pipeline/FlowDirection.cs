namespace LoadBalancer.Modes.Pipeline;

/// <summary>Direction of a forwarded packet, for counters.</summary>
public enum FlowDirection : byte
{
    /// <summary>Client toward backend.</summary>
    ToBackend = 0,

    /// <summary>Backend reply toward client (NAT modes only).</summary>
    ToClient = 1,
}
