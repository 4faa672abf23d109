using LoadBalancer.Modes.Checksums;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Forwarding;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using LoadBalancer.Modes.Tests.TestSupport;

namespace LoadBalancer.Modes.Tests.Pipeline;

/// <summary>The topology every golden fixture runs against: one VIP with a service per mode and protocol.</summary>
internal static partial class TestEnvironment
{
    public const string ClientMac = "02:00:00:00:00:01";
    public const string BalancerMac = "02:00:00:00:00:fe";
    public const string ClientRouterMac = "02:00:00:00:00:aa";
    public const string BackendRouterMac = "02:00:00:00:00:bb";
    public const string Client = "192.168.1.10";
    public const string ClientRouter = "192.168.1.1";
    public const string BackendRouter = "10.1.0.254";
    public const ushort ClientPort = 40000;
    public const string Vip = "10.0.0.100";
    public const string FullNatSource = "10.1.0.1";
    public const string TunnelSource = "10.2.0.1";
    public const int ClientInterface = 1;
    public const int BackendInterface = 2;
    public const ushort FirstIpId = 0x0100;

    public const ushort NatTcpPort = 80;
    public const ushort NatUdpPort = 53;
    public const ushort FullNatTcpPort = 81;
    public const ushort FullNatUdpPort = 54;
    public const ushort TunnelTcpPort = 82;
    public const ushort TunnelUdpPort = 55;
    public const ushort DsrTcpPort = 83;
    public const ushort DsrUdpPort = 56;
    public const ushort NatTcpStrictPort = 84;
    public const ushort NatTcpIncrementalPort = 85;
    public const ushort TunnelFixedMssPort = 86;
    public const ushort EmptyPort = 87;
    public const ushort FullNatOptionPort = 88;
    public const ushort FullNatOptionIncrementalPort = 89;

    public static readonly string[] NatBackends = ["10.1.0.11", "10.1.0.12"];
    public static readonly string[] TunnelBackends = ["10.2.0.11", "10.2.0.12"];
    public static readonly string[] DsrBackends = ["10.0.0.11", "10.0.0.12"];

    public static string BackendMac(string address) => address switch
    {
        "10.1.0.11" => "02:00:00:00:01:01",
        "10.1.0.12" => "02:00:00:00:01:02",
        "10.2.0.11" => "02:00:00:00:02:01",
        "10.2.0.12" => "02:00:00:00:02:02",
        "10.0.0.11" => "02:00:00:00:03:01",
        "10.0.0.12" => "02:00:00:00:03:02",
        _ => throw new ArgumentException(address),
    };

    /// <summary>Which backend the modulo selector gives a flow (same rule as the service's selector).</summary>
    public static string BackendFor(string[] backends, string src, ushort sport, ushort dport, byte protocol)
    {
        var key = new FlowKey(Ipv4Address.Parse(src), Ipv4Address.Parse(Vip), sport, dport, protocol);
        return backends[(int)(FlowHash.Hash(key) % (ulong)backends.Length)];
    }

    public static L4Snapshot BuildSnapshot()
    {
        var services = new List<L4Service>
        {
            Service(NatTcpPort, 6, NatForwardingMode.Instance, NatBackends, 8080),
            Service(NatUdpPort, 17, NatForwardingMode.Instance, NatBackends, 5353),
            Service(FullNatTcpPort, 6, FullNatForwardingMode.Instance, NatBackends, 8080),
            Service(FullNatUdpPort, 17, FullNatForwardingMode.Instance, NatBackends, 5353),
            Service(TunnelTcpPort, 6, IpipForwardingMode.Instance, TunnelBackends, TunnelTcpPort, mss: MssClampMode.SubtractOverhead),
            Service(TunnelUdpPort, 17, IpipForwardingMode.Instance, TunnelBackends, TunnelUdpPort),
            Service(DsrTcpPort, 6, DsrForwardingMode.Instance, DsrBackends, DsrTcpPort),
            Service(DsrUdpPort, 17, DsrForwardingMode.Instance, DsrBackends, DsrUdpPort),
            Service(NatTcpStrictPort, 6, NatForwardingMode.Instance, NatBackends, 8080, nonSyn: NonSynMissPolicy.Drop),
            Service(NatTcpIncrementalPort, 6, NatForwardingMode.Instance, NatBackends, 8080, checksum: ChecksumMode.Incremental),
            Service(TunnelFixedMssPort, 6, IpipForwardingMode.Instance, TunnelBackends, TunnelFixedMssPort, mss: MssClampMode.Fixed),
            Service(EmptyPort, 6, NatForwardingMode.Instance, [], 8080),
            Service(FullNatOptionPort, 6, FullNatForwardingMode.Instance, NatBackends, 8080, clientAddressOption: true),
            Service(FullNatOptionIncrementalPort, 6, FullNatForwardingMode.Instance, NatBackends, 8080, checksum: ChecksumMode.Incremental, clientAddressOption: true),
        };
        services.AddRange(Services6());
        EthernetAddress.TryParse(BalancerMac, out EthernetAddress mac);
        return new L4Snapshot(services, mac);
    }

    public static (L4Processor Processor, ConnectionTable Table, ManualTimeProvider Time) BuildProcessor(int capacity = 1024)
    {
        var time = new ManualTimeProvider();
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = capacity }, time);
        var processor = new L4Processor(new L4SnapshotSource(BuildSnapshot()), table, new DataPlaneCounters(), FirstIpId);
        return (processor, table, time);
    }

    private static L4Service Service(
        ushort port, byte protocol, IForwardingMode mode, string[] backends, ushort backendPort,
        MssClampMode mss = MssClampMode.Off, NonSynMissPolicy nonSyn = NonSynMissPolicy.ReselectViaHash, ChecksumMode checksum = ChecksumMode.Full,
        bool clientAddressOption = false)
    {
        var list = new L4Backend[backends.Length];
        for (int i = 0; i < backends.Length; i++)
        {
            EthernetAddress.TryParse(BackendMac(backends[i]), out EthernetAddress mac);
            list[i] = new L4Backend(Ipv4Address.Parse(backends[i]), backendPort, mac, BackendInterface, 1);
        }

        return new L4Service
        {
            Vip = Ipv4Address.Parse(Vip),
            Port = port,
            Protocol = protocol,
            Mode = mode,
            Backends = list,
            Selector = new ModuloSelector(list.Length),
            TunnelSource = Ipv4Address.Parse(TunnelSource),
            MssClamp = mss,
            MssClampValue = 1200,
            FullNatSources = [Ipv4Address.Parse(FullNatSource)],
            ChecksumMode = checksum,
            NonSynMiss = nonSyn,
            ClientAddressOption = clientAddressOption,
        };
    }
}
