using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>Neighbour discovery: what ARP does for IPv4, for the IPv6 VIPs, full-NAT sources and backends.</summary>
public sealed partial class L4Engine
{
    private readonly byte[] _ndpBuffer = new byte[NdpResponder.FrameLength];
    private long _ndpAnswered;
    private long _unsolicitedSent;
    private long _solicitationsSent;
    private long _advertisementsReceived;

    /// <summary>Neighbour solicitations answered for owned IPv6 addresses, unsolicited advertisements sent, solicitations sent for backends, valid advertisements received.</summary>
    public (long Answered, long UnsolicitedSent, long SolicitationsSent, long AdvertisementsReceived) NdpCounters =>
        (Interlocked.Read(ref _ndpAnswered), Interlocked.Read(ref _unsolicitedSent), Interlocked.Read(ref _solicitationsSent), Interlocked.Read(ref _advertisementsReceived));

    /// <summary>An NS or NA from the receive path (<paramref name="buffer"/> holds the frame at its start and has room for the reply): learns the neighbour, answers, counts drops in the worker's counters.</summary>
    internal void HandleNeighbourDiscovery(Span<byte> buffer, int length, DataPlaneCounters counters, ITransmitter transmitter)
    {
        // Read before Handle: an answered solicitation is rewritten in place into the advertisement sent back.
        var advertisement = IsAdvertisement(buffer[..length]);
        NdpResponder.Handle(buffer, length, Mac, Volatile.Read(ref _ownedAddresses6), counters, out var replyLength, out var neighbour, out var neighbourMac);
        if (neighbour != UInt128.Zero)
        {
            if (advertisement)
            {
                Interlocked.Increment(ref _advertisementsReceived);
            }
            _neighbours.Observe(neighbour, neighbourMac);
        }
        if (replyLength > 0)
        {
            transmitter.Enqueue(buffer[..replyLength]);
            Interlocked.Increment(ref _ndpAnswered);
        }
    }

    /// <summary>Whether a frame NdpResponder accepted is an advertisement (ICMPv6 type 136 right after the fixed header, behind an optional VLAN tag).</summary>
    private static bool IsAdvertisement(ReadOnlySpan<byte> frame)
    {
        var l3 = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(frame[EthernetHeader.EtherTypeOffset..]) == EthernetHeader.EtherTypeVlanBigEndianValue
            ? EthernetHeader.Length + EthernetHeader.VlanTagLength
            : EthernetHeader.Length;
        return frame.Length > l3 + Ipv6Header.Length && frame[l3 + Ipv6Header.Length] == NdpResponder.TypeAdvertisement;
    }

    /// <summary>Unsolicited advertisements (RFC 4861 7.2.6) for every owned IPv6 address, as gratuitous ARP does for IPv4.</summary>
    private void AnnounceOwnedAddresses6()
    {
        var frame = new byte[NdpResponder.FrameLength];
        foreach (var address in Volatile.Read(ref _ownedAddresses6))
        {
            var length = NdpResponder.BuildUnsolicitedAdvertisement(frame, Mac, address);
            _port?.SendControl(frame.AsSpan(0, length));
            Interlocked.Increment(ref _unsolicitedSent);
        }
    }

    /// <summary>Solicits an IPv6 backend from the interface's IPv6 address (or, without one, the first owned IPv6 address).</summary>
    private void SendSolicitation(UInt128 target)
    {
        var source = _builder.SourceAddress6;
        if (source == UInt128.Zero)
        {
            var owned = Volatile.Read(ref _ownedAddresses6);
            source = owned.Length > 0 ? owned[0] : UInt128.Zero;
        }
        lock (_ndpBuffer)
        {
            var length = NdpResponder.BuildSolicitation(_ndpBuffer, Mac, source, target);
            _port?.SendControl(_ndpBuffer.AsSpan(0, length));
            Interlocked.Increment(ref _solicitationsSent);
        }
    }
}
