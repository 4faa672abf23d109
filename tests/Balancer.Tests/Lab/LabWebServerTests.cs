using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.Readme;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Tests.Lab;

/// <summary>Both lab web servers, started as the lab starts them, answer on the VIP (on lo) as well as the own address.</summary>
[Collection(NetNsCollection.Name)]
public sealed class LabWebServerTests
{
    [SkippableTheory]
    [InlineData("busybox")]
    [InlineData("python3")]
    public async Task Server_AsTheLabStartsIt_AnswersOnEveryAddress(string kind)
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates a network namespace");
        Skip.If(LabWebServer.FindOnPath("curl") is null, "needs curl");
        var path = LabWebServer.FindOnPath(kind);
        Skip.If(path is null, $"{kind} is not installed");
        var server = kind == "busybox" ? LabWebServer.Busybox(path!) : LabWebServer.Python(path!);
        using var ns = ReadmeNamespace.Create("w");
        ProcessRunner.RunChecked("ip", "-n", ns.Name, "addr", "add", "10.200.0.100/32", "dev", "lo");
        var root = Directory.CreateTempSubdirectory($"lbrd{Environment.ProcessId}w").FullName;
        LabTopology.WriteWebRoot(root, "b1");
        using var process = ProcessRunner.Start("ip", ["netns", "exec", ns.Name, .. server.Arguments(LabWebServer.AllAddresses, 8081, root)]);
        try
        {
            Assert.Equal("b1\n", await Get(ns.Name, "http://10.200.0.100:8081/"));
            Assert.Equal("b1\n", await Get(ns.Name, "http://127.0.0.1:8081/"));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<string> Get(string ns, string url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var r = ProcessRunner.Run("ip", ["netns", "exec", ns, "curl", "-s", "-m", "2", url]);
            if (r.Ok || DateTime.UtcNow > deadline)
            {
                return r.Ok ? r.StdOut : $"curl failed ({r.ExitCode}): {r.StdErr}";
            }
            await Task.Delay(50);
        }
    }
}
