using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Packets;

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
    public bool DecrementsTtl => true;

    /// <summary>Client -> VIP:port becomes client -> backend:port; MACs balancer -> backend; TTL decremented (the caller checked TTL &gt; 1).</summary>
    internal static void ToBackend(Span<byte> buffer, in PacketView view, uint backendAddress, ushort backendPort, EthernetAddress backendMac, EthernetAddress balancerMac, ChecksumMode mode)
    {
        Span<byte> ip = buffer.Slice(view.L3Offset, view.IpTotalLength);
        PacketRewriter.SetMacs(buffer[view.L2Offset..], backendMac, balancerMac);
        ip[Ipv4Header.TtlOffset]--;
        PacketRewriter.SetDestination(ip, view.IpHeaderLength, view.Protocol, backendAddress, backendPort, mode == ChecksumMode.Incremental);
        PacketRewriter.FinishChecksums(ip, view.IpHeaderLength, view.IpTotalLength, view.Protocol, mode);
    }

    /// <summary>Backend -> client reply becomes VIP:port -> client; MACs balancer -> the client's recorded MAC; TTL decremented.</summary>
    internal static void ToClient(Span<byte> buffer, in PacketView view, uint vip, ushort vipPort, EthernetAddress clientMac, EthernetAddress balancerMac, ChecksumMode mode)
    {
        Span<byte> ip = buffer.Slice(view.L3Offset, view.IpTotalLength);
        PacketRewriter.SetMacs(buffer[view.L2Offset..], clientMac, balancerMac);
        ip[Ipv4Header.TtlOffset]--;
        PacketRewriter.SetSource(ip, view.IpHeaderLength, view.Protocol, vip, vipPort, mode == ChecksumMode.Incremental);
        PacketRewriter.FinishChecksums(ip, view.IpHeaderLength, view.IpTotalLength, view.Protocol, mode);
    }
}
