using System.Net.NetworkInformation;
using LoadBalancer.Balancer.Tools;

using Xunit;

namespace LoadBalancer.Balancer.Tests.NetNs;

[Collection(NetNsCollection.Name)]
public sealed class NetworkNamespaceTests
{
    [SkippableFact]
    public void Run_ThreadInsideNamespace_SeesOnlyThatNamespacesInterfaces()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        using var a = NetworkNamespace.Create("na");
        using var b = NetworkNamespace.Create("nb");
        NetworkNamespace.AddVeth(a, "left0", b, "right0");

        var namesInA = a.Run(() => NetworkInterface.GetAllNetworkInterfaces().Select(i => i.Name).ToArray());
        var namesHere = NetworkInterface.GetAllNetworkInterfaces().Select(i => i.Name).ToArray();

        Assert.Contains("left0", namesInA);
        Assert.DoesNotContain("right0", namesInA);
        Assert.DoesNotContain("left0", namesHere);
    }

    [SkippableFact]
    public void Dispose_AfterCreate_RemovesNamespace()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces");
        string name;
        using (var ns = NetworkNamespace.Create("nd"))
        {
            name = ns.Name;
            Assert.Contains(name, ProcessRunner.RunChecked("ip", "netns", "list"));
        }

        Assert.DoesNotContain(name, ProcessRunner.RunChecked("ip", "netns", "list"));
    }
}
