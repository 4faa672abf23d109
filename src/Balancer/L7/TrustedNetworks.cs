using System.Net;

namespace LoadBalancer.Balancer.L7;

/// <summary>The one test of a peer against a trusted list (PROXY protocol, the client-address TCP option, X-Forwarded-For).</summary>
internal static class TrustedNetworks
{
    /// <summary>True when <paramref name="address"/> is in one of <paramref name="networks"/>; an IPv4-mapped IPv6 address (a dual-stack socket's peer) counts as its IPv4 address.</summary>
    public static bool Contain(IPNetwork[] networks, IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }
}
