using LoadBalancer.Modes.Flows;

namespace LoadBalancer.Modes.Forwarding;

/// <summary>IP-in-IP (RFC 2003): the client's packet, untouched, inside an outer IPv4 header addressed to the backend.</summary>
public sealed class IpipForwardingMode : IForwardingMode
{
    /// <summary>The shared instance.</summary>
    public static readonly IpipForwardingMode Instance = new();

    private IpipForwardingMode()
    {
    }

    /// <inheritdoc />
    public string Name => "tunnel";

    /// <inheritdoc />
    public ForwardingModeKind Kind => ForwardingModeKind.Tunnel;

    /// <inheritdoc />
    public ReverseKind Reverse => ReverseKind.None;

    /// <inheritdoc />
    public bool DecrementsTtl => false;
}
