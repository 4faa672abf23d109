using System.Runtime.CompilerServices;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>The IPv6 branch of the processor, kept off the IPv4 path.</summary>
public sealed partial class L4Processor
{
    /// <summary>Classifies a parsed IPv6 packet; every outcome is a counted drop until a service can have an IPv6 VIP.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ForwardResult ProcessIpv6(ref PacketView view)
    {
        if (Ipv6Address.IsMartianSource(view.SourceAddress6))
        {
            return ForwardResult.Dropped(DropReason.MartianSource);
        }

        // Neighbour discovery uses hop limit 255 and MLD uses 1: ICMPv6 is never forwarded, so its hop limit says nothing.
        if (view.Protocol != Ipv6Header.NextHeaderIcmpv6 && view.Ttl <= 1)
        {
            return ForwardResult.Dropped(DropReason.HopLimitExpired);
        }

        // No service has an IPv6 VIP yet: nothing is addressed to one, and no tracked flow can own a reply.
        return ForwardResult.Dropped(DropReason.NotForVip);
    }
}
