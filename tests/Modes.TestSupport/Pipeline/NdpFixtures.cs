using System.Net;
using static LoadBalancer.Modes.Tests.Pipeline.TestEnvironment;
using F6 = LoadBalancer.Modes.Tests.TestSupport.Frames6;

namespace LoadBalancer.Modes.Tests.Pipeline;

/// <summary>Neighbour discovery frames (RFC 4861) built with PacketDotNet's IPv6 header and a reference ICMPv6 checksum: requests to the balancer and the replies it must produce.</summary>
internal static class NdpFixtures
{
    public const string ClientLinkLocal = "fe80::1";
    public const string Vip6 = Ipv6GoldenFixtures.Vip6;
    public const string FullNatSource6 = "2001:db8::200";
    public const string OtherAddress = "2001:db8::999";
    public const string Backend6 = "2001:db8:2::11";
    public const string BalancerSource6 = "2001:db8:2::1";
    public const string BackendMac6 = "02:00:00:00:02:11";
    public const byte SourceLinkLayer = 1;
    public const byte TargetLinkLayer = 2;

    /// <summary>The solicited-node group of an address, as text (ff02::1:ffXX:XXXX).</summary>
    public static string SolicitedNode(string address)
    {
        byte[] bytes = IPAddress.Parse(address).GetAddressBytes();
        byte[] group = [0xFF, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF, bytes[13], bytes[14], bytes[15]];
        return new IPAddress(group).ToString();
    }

    /// <summary>The Ethernet group of an IPv6 multicast address (33:33 and its low 32 bits).</summary>
    public static string MulticastMac(string group)
    {
        byte[] b = IPAddress.Parse(group).GetAddressBytes();
        return $"33:33:{b[12]:x2}:{b[13]:x2}:{b[14]:x2}:{b[15]:x2}";
    }

    /// <summary>A link-layer address option (type 1 source, 2 target) for a MAC, or with another length in 8-octet units.</summary>
    public static byte[] LinkLayerOption(byte type, string mac, byte units = 1)
    {
        var option = new byte[Math.Max(units, (byte)1) * 8];
        option[0] = type;
        option[1] = units;
        PhysicalAddress(mac).CopyTo(option, 2);
        return option;
    }

    /// <summary>The NS/NA body after type, code and checksum: flags/reserved, target, options.</summary>
    public static byte[] Body(byte flags, string target, params byte[][] options)
    {
        byte[] body = [flags, 0, 0, 0, .. IPAddress.Parse(target).GetAddressBytes()];
        foreach (byte[] option in options)
        {
            body = [.. body, .. option];
        }

        return body;
    }

    /// <summary>An NS from the client's link-local address to the target's solicited-node group, with the client's MAC as source link-layer option.</summary>
    public static byte[] Solicitation(string target, byte hopLimit = 255, byte code = 0, string source = ClientLinkLocal, byte[][]? options = null, string? destination = null)
    {
        destination ??= SolicitedNode(target);
        options ??= [LinkLayerOption(SourceLinkLayer, ClientMac)];
        return F6.Icmp(ClientMac, MulticastMac(destination), source, destination, 135, code, Body(0, target, options), hopLimit);
    }

    /// <summary>The solicited NA the balancer owes <see cref="Solicitation"/> for <paramref name="target"/>: from the target, S and O set, target link-layer option.</summary>
    public static byte[] ExpectedAdvertisement(string target)
        => F6.Icmp(BalancerMac, ClientMac, target, ClientLinkLocal, 136, 0, Body(0x60, target, LinkLayerOption(TargetLinkLayer, BalancerMac)), 255);

    /// <summary>A backend's solicited NA for itself, to the balancer.</summary>
    public static byte[] BackendAdvertisement(byte hopLimit = 255, byte flags = 0x60, byte[][]? options = null, string destination = BalancerSource6)
    {
        options ??= [LinkLayerOption(TargetLinkLayer, BackendMac6)];
        return F6.Icmp(BackendMac6, BalancerMac, Backend6, destination, 136, 0, Body(flags, Backend6, options), hopLimit);
    }

    private static byte[] PhysicalAddress(string mac) => [.. mac.Split(':').Select(part => Convert.ToByte(part, 16))];
}
