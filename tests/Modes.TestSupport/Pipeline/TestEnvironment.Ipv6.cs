using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Tests.TestSupport;

namespace LoadBalancer.Modes.Tests.Pipeline;

/// <summary>The IPv6 half of the fixture topology: one VIP6 with a service per mode and protocol on the same ports as IPv4.</summary>
/// <remarks>The VIP6 is not the address the parser fixtures use (2001:db8::100), so those keep showing how far the parser got.</remarks>
internal static partial class TestEnvironment
{
    public const string Client6 = "2001:db8:1::10";
    public const string Vip6 = "2001:db8::200";
    public const string FullNatSource6 = "2001:db8:10::1";
    public const string TunnelSource6 = "2001:db8:20::1";
    public const ushort Ipv6FixedMssPort = 86;
    public const ushort Ipv6IncrementalPort = 85;

    public static readonly string[] NatBackends6 = ["2001:db8:10::11", "2001:db8:10::12"];
    public static readonly string[] TunnelBackends6 = ["2001:db8:20::11", "2001:db8:20::12"];
    public static readonly string[] DsrBackends6 = ["2001:db8::11", "2001:db8::12"];

    public static string BackendMac6(string address) => address switch
    {
        "2001:db8:10::11" => "02:00:00:00:01:01",
        "2001:db8:10::12" => "02:00:00:00:01:02",
        "2001:db8:20::11" => "02:00:00:00:02:01",
        "2001:db8:20::12" => "02:00:00:00:02:02",
        "2001:db8::11" => "02:00:00:00:03:01",
        "2001:db8::12" => "02:00:00:00:03:02",
        _ => throw new ArgumentException(address),
    };

    /// <summary>Which backend the modulo selector gives an IPv6 flow from <see cref="Client6"/> (same rule as the service's selector).</summary>
    public static string BackendFor6(string[] backends, ushort sport, ushort dport, byte protocol, string src = Client6)
    {
        var key = new FlowKey6(Ipv6Address.Parse(src), Ipv6Address.Parse(Vip6), sport, dport, protocol);
        return backends[(int)(FlowHash.Hash(key) % (ulong)backends.Length)];
    }

    private static IEnumerable<L4Service> Services6() =>
    [
        Service6(NatTcpPort, 6, NatForwardingMode.Instance, NatBackends6, 8080),
        Service6(NatUdpPort, 17, NatForwardingMode.Instance, NatBackends6, 5353),
        Service6(FullNatTcpPort, 6, FullNatForwardingMode.Instance, NatBackends6, 8080),
        Service6(FullNatUdpPort, 17, FullNatForwardingMode.Instance, NatBackends6, 5353),
        Service6(TunnelTcpPort, 6, IpipForwardingMode.Instance, TunnelBackends6, TunnelTcpPort, MssClampMode.SubtractOverhead),
        Service6(TunnelUdpPort, 17, IpipForwardingMode.Instance, TunnelBackends6, TunnelUdpPort),
        Service6(DsrTcpPort, 6, DsrForwardingMode.Instance, DsrBackends6, DsrTcpPort),
        Service6(DsrUdpPort, 17, DsrForwardingMode.Instance, DsrBackends6, DsrUdpPort),
        Service6(NatTcpStrictPort, 6, NatForwardingMode.Instance, NatBackends6, 8080, nonSyn: NonSynMissPolicy.Drop),
        Service6(Ipv6IncrementalPort, 6, FullNatForwardingMode.Instance, NatBackends6, 8080, checksum: ChecksumMode.Incremental),
        Service6(Ipv6FixedMssPort, 6, IpipForwardingMode.Instance, TunnelBackends6, Ipv6FixedMssPort, MssClampMode.Fixed),
    ];

    private static L4Service Service6(
        ushort port, byte protocol, IForwardingMode mode, string[] backends, ushort backendPort, MssClampMode mss = MssClampMode.Off,
        NonSynMissPolicy nonSyn = NonSynMissPolicy.ReselectViaHash, ChecksumMode checksum = ChecksumMode.Full)
    {
        var list = new L4Backend[backends.Length];
        for (int i = 0; i < backends.Length; i++)
        {
            EthernetAddress.TryParse(BackendMac6(backends[i]), out EthernetAddress mac);
            list[i] = new L4Backend(0, backendPort, mac, BackendInterface, 1, 0, Ipv6Address.Parse(backends[i]));
        }

        return new L4Service
        {
            Vip6 = Ipv6Address.Parse(Vip6),
            Port = port,
            Protocol = protocol,
            Mode = mode,
            Backends = list,
            Selector = new ModuloSelector(list.Length),
            TunnelSource6 = Ipv6Address.Parse(TunnelSource6),
            MssClamp = mss,
            MssClampValue = 1200,
            FullNatSources6 = [Ipv6Address.Parse(FullNatSource6)],
            ChecksumMode = checksum,
            NonSynMiss = nonSyn,
        };
    }
}
