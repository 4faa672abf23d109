using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Packets;

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
    public bool DecrementsTtl => true;

    /// <summary>Client -> VIP:port becomes source-address:pooled-port -> backend:port; MACs balancer -> backend; TTL decremented.</summary>
    internal static void ToBackend(
        Span<byte> buffer, in PacketView view, uint natAddress, ushort natPort, uint backendAddress, ushort backendPort,
        EthernetAddress backendMac, EthernetAddress balancerMac, ChecksumMode mode)
        => RewriteBoth(buffer, in view, natAddress, natPort, backendAddress, backendPort, backendMac, balancerMac, mode);

    /// <summary>Backend -> source-address:pooled-port reply becomes VIP:port -> client:port; MACs balancer -> client; TTL decremented.</summary>
    internal static void ToClient(
        Span<byte> buffer, in PacketView view, uint vip, ushort vipPort, uint client, ushort clientPort,
        EthernetAddress clientMac, EthernetAddress balancerMac, ChecksumMode mode)
        => RewriteBoth(buffer, in view, vip, vipPort, client, clientPort, clientMac, balancerMac, mode);

    // Full NAT rewrites both endpoints in either direction; only which addresses go where differs.
    private static void RewriteBoth(
        Span<byte> buffer, in PacketView view, uint source, ushort sourcePort, uint destination, ushort destinationPort,
        EthernetAddress destinationMac, EthernetAddress balancerMac, ChecksumMode mode)
    {
        Span<byte> ip = buffer.Slice(view.L3Offset, view.IpTotalLength);
        bool incremental = mode == ChecksumMode.Incremental;
        PacketRewriter.SetMacs(buffer[view.L2Offset..], destinationMac, balancerMac);
        ip[Ipv4Header.TtlOffset]--;
        PacketRewriter.SetSource(ip, view.IpHeaderLength, view.Protocol, source, sourcePort, incremental);
        PacketRewriter.SetDestination(ip, view.IpHeaderLength, view.Protocol, destination, destinationPort, incremental);
        PacketRewriter.FinishChecksums(ip, view.IpHeaderLength, view.IpTotalLength, view.Protocol, mode);
    }
}
