using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>What the engine needs to know about its interface in the current network namespace: addresses and prefixes.</summary>
public sealed record InterfaceInfo(string Name, IReadOnlyList<(uint Address, int PrefixLength)> Addresses)
{
    /// <summary>Reads the interface from the current namespace; null when it does not exist.</summary>
    public static InterfaceInfo? Read(string name)
    {
        var nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == name);
        if (nic is null)
        {
            return null;
        }
        var addresses = nic.GetIPProperties().UnicastAddresses
            .Where(a => a.Address.AddressFamily == AddressFamily.InterNetwork)
            .Select(a => (Unicast(a.Address), a.PrefixLength))
            .Where(a => a.Item1 != 0)
            .ToList();
        // Global addresses first: a neighbour solicitation's source is the first one, else the link-local address.
        var addresses6 = nic.GetIPProperties().UnicastAddresses
            .Where(a => a.Address.AddressFamily == AddressFamily.InterNetworkV6)
            .Select(a => Ipv6Address.TryParse(new IPAddress(a.Address.GetAddressBytes()).ToString(), out var v6) ? v6 : UInt128.Zero)
            .Where(a => a != UInt128.Zero && !Ipv6Address.IsMartianSource(a))
            .OrderBy(a => (a >> 118) == 0x3FA ? 1 : 0)
            .ToList();
        var prefixes6 = nic.GetIPProperties().UnicastAddresses
            .Where(a => a.Address.AddressFamily == AddressFamily.InterNetworkV6)
            .Select(a => (Address: Ipv6Address.TryParse(new IPAddress(a.Address.GetAddressBytes()).ToString(), out var v6) ? v6 : UInt128.Zero, a.PrefixLength))
            .Where(a => a.Address != UInt128.Zero && !Ipv6Address.IsMartianSource(a.Address))
            .ToList();
        return new InterfaceInfo(name, addresses) { Addresses6 = addresses6, Prefixes6 = prefixes6 };
    }

    /// <summary>The interface's IPv6 addresses (numeric), global ones before link-local ones.</summary>
    public IReadOnlyList<UInt128> Addresses6 { get; init; } = [];

    /// <summary>The interface's IPv6 addresses with their prefix lengths (what <see cref="IsOnLink(UInt128)"/> compares against).</summary>
    public IReadOnlyList<(UInt128 Address, int PrefixLength)> Prefixes6 { get; init; } = [];

    /// <summary>True when the IPv6 <paramref name="address"/> is link-local or inside one of the interface's IPv6 prefixes (reachable without a router).</summary>
    public bool IsOnLink(UInt128 address) => (address >> 118) == 0x3FA || Prefixes6.Any(p =>
    {
        var mask = p.PrefixLength <= 0 ? UInt128.Zero : UInt128.MaxValue << (128 - Math.Min(p.PrefixLength, 128));
        return (p.Address & mask) == (address & mask);
    });

    /// <summary>True when <paramref name="address"/> is on one of the interface's subnets (reachable without a router).</summary>
    public bool IsOnLink(uint address) => Addresses.Any(a =>
    {
        var mask = a.PrefixLength == 0 ? 0u : uint.MaxValue << (32 - a.PrefixLength);
        return (a.Address & mask) == (address & mask);
    });

    /// <summary>Every IPv6 address of every interface in this namespace (for VIP conflict checks).</summary>
    public static IEnumerable<(string Interface, UInt128 Address)> AllAddresses6() =>
        NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses
            .Where(a => a.Address.AddressFamily == AddressFamily.InterNetworkV6)
            .Select(a => (n.Name, Ipv6Address.TryParse(new IPAddress(a.Address.GetAddressBytes()).ToString(), out var v6) ? v6 : UInt128.Zero)));

    /// <summary>Every IPv4 address of every interface in this namespace (for VIP conflict checks).</summary>
    public static IEnumerable<(string Interface, uint Address)> AllAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses
            .Where(a => a.Address.AddressFamily == AddressFamily.InterNetwork)
            .Select(a => (n.Name, Unicast(a.Address))));

    /// <summary>The address in host numeric order; 0 for one that is not unicast (0/8, loopback, multicast, broadcast).</summary>
    private static uint Unicast(IPAddress address)
    {
        var value = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        return Ipv4Address.IsMartianSource(value) ? 0 : value;
    }
}
