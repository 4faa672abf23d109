using System.Net;
using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tools;
using Xunit;

namespace LoadBalancer.Balancer.Tests.Lab;

[Collection(NetNsCollection.Name)]
public sealed class LabTopologyTests : IDisposable
{
    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("lbw-lab-test").FullName;

    private static string Prefix => $"lbw{Environment.ProcessId}l";

    public void Dispose() => Directory.Delete(_stateDirectory, recursive: true);

    [SkippableFact]
    public void Up_DsrTwoBackends_ClientReachesEachBackendAndDownRemovesEverything()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        var topology = new LabTopology(new LabOptions(Prefix, 2, LabMode.Dsr) { StateDirectory = _stateDirectory });
        LabState state;
        LabStatus status;
        string b1, b2, size, b1ViaVip;
        try
        {
            state = topology.Up();
            // DSR delivers packets to the backend unchanged (destination VIP:80): the web server must answer there too.
            b1ViaVip = Curl(topology.Layout.Backends[0].Namespace, "http://10.200.0.100/");
            b1 = Curl(topology.Layout.Client.Namespace, "http://10.200.0.11/");
            b2 = Curl(topology.Layout.Client.Namespace, "http://10.200.0.12/");
            size = Curl(topology.Layout.Client.Namespace, "-o", "/dev/null", "-w", "%{size_download}", $"http://10.200.0.11{LabTopology.LargeFilePath}");
            status = topology.Status();
            Assert.Throws<InvalidOperationException>(() => topology.Up());
        }
        finally
        {
            topology.Down();
        }

        Assert.Equal("b1\n", b1);
        Assert.Equal("b2\n", b2);
        Assert.Equal("b1\n", b1ViaVip);
        Assert.Equal(2, status.Listening.Count);
        Assert.All(status.Listening, l => Assert.Contains("0.0.0.0:80", l.Addresses));
        Assert.Equal(LabTopology.LargeFileBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), size);
        Assert.Equal(5, status.Namespaces.Count(n => n.Exists));
        Assert.Equal(2, status.Processes.Count(p => p.Running));
        Assert.DoesNotContain(Prefix + "-", ProcessRunner.RunChecked("ip", "netns", "list"), StringComparison.Ordinal);
        Assert.All(state.Processes, p => Assert.False(File.Exists($"/proc/{p.Pid}/cmdline") && File.ReadAllText($"/proc/{p.Pid}/cmdline").Contains(p.CommandWord, StringComparison.Ordinal)));
        Assert.False(topology.Status().AnythingExists);
    }

    [SkippableFact]
    public void Up_NatMode_BackendsRouteThroughBalancerWhichDoesNotForward()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        var topology = new LabTopology(new LabOptions(Prefix, 1, LabMode.Nat) { StateDirectory = _stateDirectory });
        string route, forward, loopback, vipArp;
        try
        {
            topology.Up();
            route = ProcessRunner.RunChecked("ip", "-n", topology.Layout.Backends[0].Namespace, "route", "show", "default");
            forward = ProcessRunner.RunChecked("ip", "netns", "exec", topology.Layout.Balancer.Namespace, "sysctl", "-n", "net.ipv4.ip_forward");
            loopback = ProcessRunner.RunChecked("ip", "-n", topology.Layout.Backends[0].Namespace, "addr", "show", "dev", "lo");
            vipArp = ProcessRunner.RunChecked("ip", "netns", "exec", topology.Layout.Backends[0].Namespace, "sysctl", "-n", "net.ipv4.conf.all.arp_ignore");
        }
        finally
        {
            topology.Down();
        }

        Assert.Contains("via 10.200.0.2", route, StringComparison.Ordinal);
        Assert.Equal("0", forward.Trim());
        Assert.DoesNotContain("10.200.0.100", loopback, StringComparison.Ordinal);
        Assert.Equal("0", vipArp.Trim());
    }

    [Fact]
    public void For_ThreeBackends_GivesDocumentedAddressesAndDistinctMacs()
    {
        var layout = LabLayout.For(new LabOptions("lab", 3, LabMode.Tunnel));

        Assert.Equal(IPAddress.Parse("10.200.1.1"), layout.Client.Address);
        Assert.Equal(IPAddress.Parse("10.200.0.2"), layout.Balancer.Address);
        Assert.Equal(IPAddress.Parse("10.200.0.100"), layout.Vip);
        Assert.Equal(["10.200.0.11", "10.200.0.12", "10.200.0.13"], layout.Backends.Select(b => b.Address.ToString()));
        Assert.Equal(["lab-c", "lab-lb", "lab-b1", "lab-b2", "lab-b3", "lab-sw"], layout.Namespaces);
        var macs = new[] { layout.Client, layout.Balancer }.Concat(layout.Backends).Select(n => n.Mac).ToList();
        Assert.Equal(macs.Count, macs.Distinct().Count());
    }

    [Theory]
    [InlineData("Lab")]
    [InlineData("1lab")]
    [InlineData("lab-x")]
    [InlineData("abcdefghijklm")]
    public void Constructor_BadPrefix_Throws(string prefix)
    {
        Assert.Throws<ArgumentException>(() => new LabTopology(new LabOptions(prefix)));
    }

    [Fact]
    public void Create_UpWithAllOptions_Parses()
    {
        var result = LabCommand.Create().Parse("up --backends 3 --mode fullnat --name x1");

        Assert.Empty(result.Errors);
        Assert.Equal(3, result.GetValue<int>("--backends"));
        Assert.Equal(LabMode.FullNat, result.GetValue<LabMode>("--mode"));
    }

    [SkippableFact]
    public void Invoke_StatusOfLabThatDoesNotExist_ExitsOne()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: lists network namespaces");

        int exit = LabCommand.Create().Parse($"status --name {Prefix}none").Invoke();

        Assert.Equal(1, exit);
    }

    [Fact]
    public void WriteWebRoot_Backend_WritesNameAndOneMebibyteFile()
    {
        var root = Path.Combine(_stateDirectory, "www");

        LabTopology.WriteWebRoot(root, "b7");

        Assert.Equal("b7\n", File.ReadAllText(Path.Combine(root, "index.html")));
        var data = File.ReadAllBytes(Path.Combine(root, "1mb.bin"));
        Assert.Equal(1 << 20, data.Length);
        Assert.NotEqual(data.AsSpan(0, 4096).ToArray(), data.AsSpan(4096, 4096).ToArray());
    }

    private static string Curl(string ns, params string[] args)
    {
        var result = ProcessRunner.Run("ip", ["netns", "exec", ns, "curl", "-s", "-m", "5", .. args]);
        return result.Ok ? result.StdOut : $"curl failed ({result.ExitCode}): {result.StdErr}";
    }
}
