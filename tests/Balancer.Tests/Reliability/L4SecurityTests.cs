using System.Net;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Balancer.Tests.L4;
using LoadBalancer.Balancer.Tests.L4.Interop;
using LoadBalancer.Balancer.Tests.NetNs;
using Xunit.Abstractions;
using LoadBalancer.TestSupport;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>The engine answers ARP only for what it owns and drops spoofed or martian sources, counting them.</summary>
[Collection(NetNsCollection.Name)]
public sealed class L4SecurityTests(SharedLab shared, ITestOutputHelper output) : IClassFixture<SharedLab>
{
    [SkippableFact]
    public void Arp_RequestsFromClient_BalancerAnswersOnlyForTheVip()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        var lab = shared.Get("fa");
        var layout = lab.Topology.Layout;
        var clientMac = RawFrames.Mac(layout.Client.Mac);
        var before = LabProbe.Scrape(lab);
        var handler = new CapturingFrameHandler();
        using var port = NetworkNamespace.RunIn(lab.Client, () => PcapPort.Open(new PcapPortOptions("eth0", "arp and arp[6:2] = 2"), handler));
        port.Start();

        // The VIP, an unused server-subnet address, a backend's own address, an unused client-subnet address.
        var targets = new[] { L4Lab.Vip, "10.200.0.77", layout.Backends[0].Address.ToString(), "10.200.1.99" };
        foreach (var target in targets)
        {
            Assert.True(port.Send(RawFrames.ArpRequest(clientMac, layout.Client.Address, IPAddress.Parse(target))));
        }
        var replies = new List<(string Ip, string Mac)>();
        var balancerMac = layout.Balancer.Mac.ToLowerInvariant();
        var backendReply = (layout.Backends[0].Address.ToString(), layout.Backends[0].Mac.ToLowerInvariant());
        // Collect for at least a second (a wrong reply comes as fast as a right one), up to ten while an expected one is missing.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(1)
            || (clock.Elapsed < TimeSpan.FromSeconds(10) && !(replies.Contains((L4Lab.Vip, balancerMac)) && replies.Contains(backendReply))))
        {
            if (handler.WaitForFrame(TimeSpan.FromMilliseconds(100)) is { } frame && RawFrames.TryReadArpReply(frame, out var ip, out var mac))
            {
                replies.Add((ip.ToString(), mac));
            }
        }
        var answered = LabProbe.Value(LabProbe.Scrape(lab), "lb_arp_total{kind=\"answered\"}") - LabProbe.Value(before, "lb_arp_total{kind=\"answered\"}");
        output.WriteLine($"asked {string.Join(", ", targets)}; replies: {string.Join(", ", replies.Select(r => $"{r.Ip} is-at {r.Mac}"))}; balancer lb_arp_total{{answered}} +{answered}");

        Assert.Contains((L4Lab.Vip, balancerMac), replies);
        Assert.DoesNotContain(replies, r => r.Ip == "10.200.0.77" || r.Ip == "10.200.1.99");
        Assert.Contains(backendReply, replies);
        Assert.Equal([L4Lab.Vip], replies.Where(r => r.Mac == balancerMac).Select(r => r.Ip).Distinct());
        Assert.Equal(1, answered);
    }

    [SkippableFact]
    public void SpoofedAndMartianSources_AreDroppedAndCounted_LegitimateSynForwarded()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        var lab = shared.Get("fa");
        var layout = lab.Topology.Layout;
        var clientMac = RawFrames.Mac(layout.Client.Mac);
        var balancerMac = RawFrames.Mac(layout.Balancer.Mac);
        var vip = IPAddress.Parse(L4Lab.Vip);
        using var port = NetworkNamespace.RunIn(lab.Client, () => PcapPort.Open(new PcapPortOptions("eth0", "tcp port 9"), new CapturingFrameHandler()));
        var before = LabProbe.Scrape(lab);

        const int EachVip = 5;
        var martians = new[] { "127.0.0.1", "0.0.0.5", "224.0.0.9", "239.1.2.3", "240.0.0.1", "255.255.255.255" };
        for (var i = 0; i < EachVip; i++)
        {
            Assert.True(port.Send(RawFrames.TcpSyn(balancerMac, clientMac, vip, (ushort)(40000 + i), vip, 8080, 1)));
        }
        foreach (var source in martians)
        {
            Assert.True(port.Send(RawFrames.TcpSyn(balancerMac, clientMac, IPAddress.Parse(source), 40100, vip, 8080, 1)));
        }
        // Control: the same SYN from a plain lab-client address is forwarded (so the drops above are not a broken path).
        Assert.True(port.Send(RawFrames.TcpSyn(balancerMac, clientMac, IPAddress.Parse("10.200.1.50"), 40200, vip, 8080, 1)));
        double sourceIsVip = 0, martian = 0, newFlows = 0;
        Poll.TryUntil(
            () =>
            {
                var after = LabProbe.Scrape(lab);
                sourceIsVip = LabProbe.Drops(after, "SourceIsVip") - LabProbe.Drops(before, "SourceIsVip");
                martian = LabProbe.Drops(after, "MartianSource") - LabProbe.Drops(before, "MartianSource");
                newFlows = LabProbe.Value(after, "lb_l4_new_flows_total") - LabProbe.Value(before, "lb_l4_new_flows_total");
                return sourceIsVip >= EachVip && martian >= martians.Length && newFlows >= 1;
            },
            TimeSpan.FromSeconds(10));
        output.WriteLine($"sent {EachVip} SYNs from the VIP, {martians.Length} from martian sources ({string.Join(", ", martians)}), 1 legitimate; "
            + $"drops SourceIsVip +{sourceIsVip}, MartianSource +{martian}; new flows +{newFlows}");

        Assert.Equal(EachVip, sourceIsVip);
        Assert.Equal(martians.Length, martian);
        Assert.Equal(1, newFlows);
    }
}
