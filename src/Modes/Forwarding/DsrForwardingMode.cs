using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Packets;

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
    public bool DecrementsTtl => false;

    /// <summary>Only the MACs change (backend's, balancer's); in full checksum mode the L4 checksum is recomputed because veth may hand over partial ones.</summary>
    internal static void ToBackend(Span<byte> buffer, in PacketView view, EthernetAddress backendMac, EthernetAddress balancerMac, ChecksumMode mode)
    {
        PacketRewriter.SetMacs(buffer[view.L2Offset..], backendMac, balancerMac);
        if (mode == ChecksumMode.Full)
        {
            PacketRewriter.RecomputeTransport(buffer.Slice(view.L3Offset, view.IpTotalLength), view.IpHeaderLength, view.IpTotalLength, view.Protocol);
        }
    }
}
