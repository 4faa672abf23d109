using System.Net;
using System.Net.Sockets;
using System.Text;
using LoadBalancer.Balancer.Tests.L4;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tools;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>Tunnel-mode frames that grow past the balancer's MTU cannot be sent; the failures are counted and the engine keeps forwarding.</summary>
[Collection(NetNsCollection.Name)]
public sealed class L4OversizeFrameTests(ITestOutputHelper output)
{
    private const int Datagrams = 10;
    private static readonly IPEndPoint Echo = new(IPAddress.Parse(L4Lab.Vip), 5353);

    [SkippableFact]
    public void TunnelEncapsulationPastMtu_SendFailuresCounted_EngineKeepsForwarding()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        using var lab = new L4Lab("tunnel", suffix: "fo");
        lab.StartBalancer(lab.Config());
        var pid = lab.BalancerPid;
        Assert.Equal(Datagrams, SendDatagrams(lab, 16, expectReplies: true));
        var start = LabProbe.Scrape(lab);

        // A full-size datagram at MTU 1500: 1514-byte frame in, 1534 bytes after the 20-byte outer header.
        var repliesFull = SendDatagrams(lab, 1500 - 28, expectReplies: false);
        var afterFull = LabProbe.Scrape(lab);

        // Jumbo frames inside the lab only (client, its switch port, the balancer's port and the balancer): 9014 in, 9034 out.
        var layout = lab.Topology.Layout;
        foreach (var (ns, dev) in new[] { (layout.Client.Namespace, "eth0"), (layout.SwitchNamespace, layout.Client.Name), (layout.SwitchNamespace, layout.Balancer.Name), (layout.Balancer.Namespace, "eth0") })
        {
            ProcessRunner.RunChecked("ip", "-n", ns, "link", "set", dev, "mtu", "9000");
        }
        // libpcap sizes its capture ring from the MTU when the handle opens: a running engine sees the jumbo frames cut
        // short and must drop them as Truncated (counted, not forwarded half).
        var repliesLive = SendDatagrams(lab, 9000 - 28, expectReplies: false);
        var afterLive = LabProbe.Scrape(lab);

        // After a restart the ring fits 9000-byte frames: they are captured whole and fail to send once encapsulated.
        lab.RestartBalancer();
        pid = lab.BalancerPid;
        var restarted = LabProbe.Scrape(lab);
        var repliesJumbo = SendDatagrams(lab, 9000 - 28, expectReplies: false);
        var afterJumbo = LabProbe.Scrape(lab);

        // Still forwarding: small UDP and HTTP through the VIP.
        var repliesSmall = SendDatagrams(lab, 16, expectReplies: true);
        var http = lab.Curl($"http://{L4Lab.Vip}:8080/");
        var end = LabProbe.Scrape(lab);

        var failFull = LabProbe.SendFailures(afterFull) - LabProbe.SendFailures(start);
        var truncatedLive = LabProbe.Drops(afterLive, "Truncated") - LabProbe.Drops(afterFull, "Truncated");
        var failLive = LabProbe.SendFailures(afterLive) - LabProbe.SendFailures(afterFull);
        var failJumbo = LabProbe.SendFailures(afterJumbo) - LabProbe.SendFailures(restarted);
        output.WriteLine($"MTU 1500, {Datagrams} datagrams of 1500 B: +{failFull} send failures, {repliesFull} echoed");
        output.WriteLine($"MTU raised to 9000 while running, {Datagrams} datagrams of 9000 B: +{truncatedLive} Truncated drops, +{failLive} send failures, {repliesLive} echoed");
        output.WriteLine($"after a restart at MTU 9000, {Datagrams} datagrams of 9000 B: +{failJumbo} send failures, {repliesJumbo} echoed, Truncated +{LabProbe.Drops(afterJumbo, "Truncated") - LabProbe.Drops(restarted, "Truncated")}");
        output.WriteLine($"after: {repliesSmall}/{Datagrams} small datagrams echoed, HTTP '{http.StdOut.Trim()}', frames sent {LabProbe.Value(end, "lb_l4_frames_sent_total{interface=\"eth0\"}")}, balancer alive {lab.BalancerPid == pid}");

        Assert.Equal(Datagrams, failFull);
        Assert.Equal(0, repliesFull);
        Assert.Equal(Datagrams, truncatedLive);
        Assert.Equal(0, repliesLive);
        Assert.Equal(Datagrams, failJumbo);
        Assert.Equal(0, repliesJumbo);
        Assert.Equal(Datagrams, repliesSmall);
        Assert.Matches("^b[12]$", http.StdOut.Trim());
        Assert.Equal(pid, lab.BalancerPid);
    }

    /// <summary>Sends <see cref="Datagrams"/> UDP datagrams of <paramref name="size"/> bytes to the VIP echo service from the client namespace; returns how many were echoed.</summary>
    private static int SendDatagrams(L4Lab lab, int size, bool expectReplies)
    {
        using var udp = NsHttp.NewUdpSocket(lab.Client);
        udp.ReceiveTimeout = expectReplies ? 2000 : 100;
        var echoed = 0;
        var buffer = new byte[65536];
        for (var i = 0; i < Datagrams; i++)
        {
            var payload = Encoding.ASCII.GetBytes($"d{i:D2}").Concat(new byte[Math.Max(0, size - 3)]).ToArray();
            udp.SendTo(payload, Echo);
            try
            {
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                if (udp.ReceiveFrom(buffer, ref from) > 0)
                {
                    echoed++;
                }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                // Not echoed.
            }
        }
        return echoed;
    }
}
