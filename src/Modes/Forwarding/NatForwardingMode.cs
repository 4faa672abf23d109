using LoadBalancer.Modes.Flows;

namespace LoadBalancer.Modes.Forwarding;

/// <summary>Two-arm NAT: client -> VIP:port becomes client -> backend:port; backend replies become VIP:port -> client.</summary>
public sealed class NatForwardingMode : IForwardingMode
{
    /// <summary>The shared instance.</summary>
    public static readonly NatForwardingMode Instance = new();

    private NatForwardingMode()
    {
    }

    /// <inheritdoc />
    public string Name => "nat";

    /// <inheritdoc />
    public ForwardingModeKind Kind => ForwardingModeKind.Nat;

    /// <inheritdoc />
    public ReverseKind Reverse => ReverseKind.Nat;

    /// <inheritdoc />
    public bool DecrementsTtl => true;
}
