using LoadBalancer.Modes.Flows;

namespace LoadBalancer.Modes.Forwarding;

/// <summary>Full NAT: client -> VIP:port becomes balancer-address:pooled-port -> backend:port, so backends need no route back via the balancer.</summary>
public sealed class FullNatForwardingMode : IForwardingMode
{
    /// <summary>The shared instance.</summary>
    public static readonly FullNatForwardingMode Instance = new();

    private FullNatForwardingMode()
    {
    }

    /// <inheritdoc />
    public string Name => "fullnat";

    /// <inheritdoc />
    public ForwardingModeKind Kind => ForwardingModeKind.FullNat;

    /// <inheritdoc />
    public ReverseKind Reverse => ReverseKind.FullNat;

    /// <inheritdoc />
    public bool DecrementsTtl => true;
}
