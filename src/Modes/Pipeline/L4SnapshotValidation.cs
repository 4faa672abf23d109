using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>The checks <see cref="L4Snapshot"/> runs on each service; every problem is collected, none stops the others.</summary>
/// <remarks>Source addresses of the other family are ignored, not refused: a service only reads those of its VIP's family.</remarks>
internal static class L4SnapshotValidation
{
    /// <summary>Checks an IPv4 service: VIP, mode addresses, and that every backend is IPv4.</summary>
    public static void CheckIpv4(L4Service service, string name, List<string> errors)
    {
        if (service.Vip == 0 || Ipv4Address.IsMartianSource(service.Vip))
        {
            errors.Add($"{name}: VIP is not a unicast address");
        }

        if (service.Mode.Kind == ForwardingModeKind.FullNat && service.FullNatSources.Length == 0)
        {
            errors.Add($"{name}: fullnat needs at least one source address");
        }

        if (service.Mode.Kind == ForwardingModeKind.Tunnel && service.TunnelSource == 0)
        {
            errors.Add($"{name}: tunnel needs an outer source address");
        }

        foreach (L4Backend backend in service.Backends)
        {
            if (backend.IsIpv6)
            {
                errors.Add($"{name}: backend {Ipv6Address.Format(backend.Address6)} is IPv6 but the VIP is IPv4");
            }
        }
    }

    /// <summary>Checks an IPv6 service: VIP, mode addresses, and that every backend is IPv6.</summary>
    public static void CheckIpv6(L4Service service, string name, List<string> errors)
    {
        if (service.Vip != 0)
        {
            errors.Add($"{name}: has both an IPv4 VIP ({Ipv4Address.Format(service.Vip)}) and an IPv6 VIP");
        }

        if (Ipv6Address.IsMartianSource(service.Vip6))
        {
            errors.Add($"{name}: VIP is not a unicast address");
        }

        if (service.Mode.Kind == ForwardingModeKind.FullNat && service.FullNatSources6.Length == 0)
        {
            errors.Add($"{name}: fullnat needs at least one IPv6 source address");
        }

        foreach (UInt128 source in service.FullNatSources6)
        {
            if (Ipv6Address.IsMartianSource(source))
            {
                errors.Add($"{name}: full-NAT source {Ipv6Address.Format(source)} is not a unicast address");
            }
        }

        if (service.Mode.Kind == ForwardingModeKind.Tunnel && service.TunnelSource6 == UInt128.Zero)
        {
            errors.Add($"{name}: tunnel needs an IPv6 outer source address");
        }
        else if (service.TunnelSource6 != UInt128.Zero && Ipv6Address.IsMartianSource(service.TunnelSource6))
        {
            errors.Add($"{name}: tunnel source {Ipv6Address.Format(service.TunnelSource6)} is not a unicast address");
        }

        foreach (L4Backend backend in service.Backends)
        {
            if (!backend.IsIpv6)
            {
                errors.Add($"{name}: backend {Ipv4Address.Format(backend.Address)} is IPv4 but the VIP is IPv6");
            }
            else if (backend.Address != 0)
            {
                errors.Add($"{name}: backend {Ipv6Address.Format(backend.Address6)} has an IPv4 address too");
            }
        }
    }

    /// <summary>Checks what both families share: protocol and backend count.</summary>
    public static void CheckCommon(L4Service service, string name, List<string> errors)
    {
        if (service.Protocol is not (Ipv4Header.ProtocolTcp or Ipv4Header.ProtocolUdp))
        {
            errors.Add($"{name}: protocol must be 6 (tcp) or 17 (udp)");
        }

        if (service.Backends.Length > ushort.MaxValue)
        {
            errors.Add($"{name}: more than {ushort.MaxValue} backends");
        }
    }
}
