using LoadBalancer.Modes.Flows;

namespace LoadBalancer.Modes.Forwarding;

/// <summary>Direct server return: the frame is bridged to the backend's MAC; the backend owns the VIP and answers the client directly.</summary>
public sealed class DsrForwardingMode : IForwardingMode
{
    /// <summary>The shared instance.</summary>
    public static readonly DsrForwardingMode Instance = new();

    private DsrForwardingMode()
    {
    }

    /// <inheritdoc />
    public string Name => "dsr";

    /// <inheritdoc />
    public ForwardingModeKind Kind => ForwardingModeKind.Dsr;

    /// <inheritdoc />
    public ReverseKind Reverse => ReverseKind.None;

    /// <inheritdoc />
    public bool DecrementsTtl => false;
}
