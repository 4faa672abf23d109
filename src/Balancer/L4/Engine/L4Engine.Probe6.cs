using System.Buffers.Binary;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>The tunnel data-path probe of IPv6 services: the probe's handshake wrapped in IPv6-in-IPv6 like client traffic.</summary>
public sealed partial class L4Engine
{
    /// <summary>Wraps an IPv6 packet of the balancer's own kernel for <paramref name="backend"/> as client traffic of the IPv6 tunnel service it is addressed to, and sends it.</summary>
    private bool SendProbeFrame6(L4Snapshot snapshot, Span<byte> buffer, int offset, int length, UInt128 backend)
    {
        var ip = buffer.Slice(offset + EthernetHeader.Length, length - EthernetHeader.Length);
        // The probe's packets are plain TCP (no extension headers): the port follows the fixed header.
        if (ip.Length < Ipv6Header.Length + 4 || ip[Ipv6Header.NextHeaderOffset] != Ipv4Header.ProtocolTcp)
        {
            return false;
        }
        var destination = BinaryPrimitives.ReadUInt128BigEndian(ip[Ipv6Header.DestinationOffset..]);
        var port = BinaryPrimitives.ReadUInt16BigEndian(ip[(Ipv6Header.Length + 2)..]);
        var service = snapshot.FindService6(destination, port, Ipv4Header.ProtocolTcp);
        if (service is null || service.Mode.Kind != ForwardingModeKind.Tunnel || !_builder.TryNextHopMac(backend, out var mac))
        {
            return false;
        }
        var reason = Ip6ip6ProbeWrapper.Wrap(buffer, offset, length, service.MssClamp, service.MssClampValue, service.ChecksumMode,
            service.TunnelSource6, backend, mac, snapshot.BalancerMac, out var outOffset, out var outLength);
        return reason == DropReason.None && _port!.SendControl(buffer.Slice(outOffset, outLength));
    }
}
