namespace LoadBalancer.Modes.Forwarding;

/// <summary>A forwarding mode as the control plane sees it: a config name plus what the data plane needs to know about it.</summary>
public interface IForwardingMode
{
    /// <summary>The mode name used in config: "nat", "fullnat", "tunnel" or "dsr".</summary>
    string Name { get; }

    /// <summary>Which rewrite the processor applies.</summary>
    ForwardingModeKind Kind { get; }

    /// <summary>Whether the balancer routes the packet (decrements TTL and drops TTL &lt;= 1).</summary>
    bool DecrementsTtl { get; }
}
