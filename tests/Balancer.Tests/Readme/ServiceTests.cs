using System.Globalization;
using LoadBalancer.Balancer.Lab;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Tests.Readme;

/// <summary>
/// "Run it as a service": the README's publish block builds a single file, the shipped systemd unit is valid and grants
/// only CAP_NET_RAW and CAP_NET_ADMIN, and the published file run as an unprivileged user with exactly the unit's
/// capabilities balances through a lab's VIP (and reloads on SIGHUP, as ExecReload sends). The Native AOT build of the
/// publish-aot block does the same, and runs the demo with the README's demo-client steps as front and as CLI.
/// </summary>
[Collection(ReadmeCollection.Name)]
public sealed class ServiceTests
{
    /// <summary>Where each publish block of the README puts its <c>balancer</c>.</summary>
    private static readonly Dictionary<string, string> PublishDirs = new(StringComparer.Ordinal)
    {
        ["publish"] = "src/Balancer/bin/Release/net10.0/linux-x64/publish",
        ["publish-aot"] = "src/Balancer/bin/aot",
    };

    private static readonly string UnitPath = Path.Combine(ReadmeDocument.RepoRoot, "configs/balancer.service");

    private static readonly SemaphoreSlim PublishLock = new(1, 1);
    private static readonly Dictionary<string, (int Code, string Output)> Published = new(StringComparer.Ordinal);

    [Fact]
    public void Unit_RunsAsBalancerWithOnlyTheL4Capabilities_ReloadsOnHup_LogsToTheJournal()
    {
        var unit = Unit();
        Assert.Equal("balancer", unit["User"]);
        Assert.Equal("/usr/local/bin/balancer run --config /etc/balancer/balancer.json", unit["ExecStart"]);
        Assert.Equal("/bin/kill -HUP $MAINPID", unit["ExecReload"]);
        Assert.Equal("CAP_NET_RAW CAP_NET_ADMIN", unit["AmbientCapabilities"]);
        Assert.Equal(unit["AmbientCapabilities"], unit["CapabilityBoundingSet"]);
        Assert.Equal("journal", unit["StandardOutput"]);
        Assert.Equal("journal", unit["StandardError"]);
    }

    [SkippableFact]
    public async Task Unit_PassesSystemdAnalyzeVerify()
    {
        Skip.If(LabWebServer.FindOnPath("systemd-analyze") is null, "systemd-analyze is not installed (apt-get install systemd)");
        using var dir = new TestSupport.TempDir();
        // verify insists that ExecStart exists: point it at the published file, everything else as shipped.
        var binary = await PublishedBinaryAsync("publish");
        var text = File.ReadAllText(UnitPath).Replace("/usr/local/bin/balancer", binary, StringComparison.Ordinal);
        var path = dir.File("balancer.service", text);

        var result = ProcessRunner.Run("systemd-analyze", ["verify", path]);

        Assert.True(result.Ok && result.StdErr.Trim().Length == 0, $"exit {result.ExitCode}: {result.StdOut}{result.StdErr}");
    }

    [SkippableTheory]
    [InlineData("publish")]
    [InlineData("publish-aot")]
    public async Task PublishedBinary_AsNobodyWithTheUnitsCapabilities_AnswersThroughTheVipAndReloadsOnHup(string block)
    {
        ReadmeLab.SkipUnlessLabCanRun();
        Skip.If(LabWebServer.FindOnPath("setpriv") is null, "needs setpriv (util-linux)");
        var binary = await PublishedBinaryAsync(block);

        // Outside the repository, readable by nobody: the published directory and the shipped NAT config.
        var home = Directory.CreateTempSubdirectory($"lbrd{Environment.ProcessId}svc").FullName;
        var lab = new LabTopology(new LabOptions($"lbrd{Environment.ProcessId}s", 2, LabMode.Nat) { StateDirectory = Path.Combine(home, "lab") });
        try
        {
            foreach (var f in Directory.GetFiles(Path.GetDirectoryName(binary)!))
            {
                File.Copy(f, Path.Combine(home, Path.GetFileName(f)));
            }
            var bin = Path.Combine(home, "balancer");
            File.Copy(Path.Combine(ReadmeDocument.RepoRoot, "configs/l4-nat.json"), Path.Combine(home, "balancer.json"));
            ProcessRunner.RunChecked("chmod", "-R", "a+rX", home);
            lab.Up();

            var caps = string.Join(',', Unit()["AmbientCapabilities"].Split(' ').Select(c => "+" + c["CAP_".Length..].ToLowerInvariant()));
            string Setpriv(string capSet) =>
                $"exec ip netns exec {lab.Layout.Balancer.Namespace} setpriv --reuid=65534 --regid=65534 --clear-groups "
                + $"--inh-caps=-all{capSet} --ambient-caps=-all{capSet} --bounding-set=-all{capSet} {bin} run --config {home}/balancer.json\n";

            // Without the capabilities: refused, naming both.
            var (refusedCode, refused) = await ShellProcess.RunAsync(Setpriv(""), TimeSpan.FromMinutes(1));
            Assert.Equal(2, refusedCode);
            Assert.Contains("needs CAP_NET_RAW and CAP_NET_ADMIN", refused, StringComparison.Ordinal);

            using var balancer = ShellProcess.Start(Setpriv("," + caps));
            await balancer.WaitForLineAsync(l => l.StartsWith("balancer running:", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            var status = File.ReadAllLines($"/proc/{balancer.Pid}/status");
            Assert.Contains(status, l => l.StartsWith("Uid:\t65534\t65534", StringComparison.Ordinal));
            // CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13: exactly those, nothing else.
            Assert.Contains("CapEff:\t0000000000003000", status);

            var answered = new HashSet<string>();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (answered.Count < 2 && DateTime.UtcNow < deadline)
            {
                var r = ProcessRunner.Run("ip", ["netns", "exec", lab.Layout.Client.Namespace, "curl", "-s", "-m", "2", $"http://{lab.Layout.Vip}/"]);
                if (r.Ok && r.StdOut.Trim() is "b1" or "b2")
                {
                    answered.Add(r.StdOut.Trim());
                }
                else
                {
                    await Task.Delay(100);
                }
            }
            Assert.True(answered.SetEquals(["b1", "b2"]), $"answered: {string.Join(',', answered)}; balancer output:\n{balancer.Output}");

            // What `systemctl reload` does (ExecReload=/bin/kill -HUP $MAINPID).
            ProcessRunner.RunChecked("kill", "-HUP", balancer.Pid.ToString(CultureInfo.InvariantCulture));
            await balancer.WaitForLineAsync(l => l.Contains("balancer.json applied", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
        }
        finally
        {
            lab.Down();
            Directory.Delete(home, recursive: true);
        }
    }

    [SkippableFact]
    public async Task NativeAotBinary_RunsTheDemo_AndTheReadmesDemoClientStepsWorkWithItAsTheCli()
    {
        Skip.If(LabWebServer.FindOnPath("curl") is null, "needs curl");
        var binary = await PublishedBinaryAsync("publish-aot");
        var client = ReadmeDocument.Load().Shell("demo-client").Text;
        const string Dll = "dotnet src/Balancer/bin/Release/net10.0/balancer.dll";
        Assert.Contains(Dll, client, StringComparison.Ordinal);
        // As root the demo gets a namespace of its own, so its fixed ports 8080 and 9100 cannot clash with anything.
        using var ns = NetworkNamespace.IsRoot ? ReadmeNamespace.Create("a") : null;
        using var demo = ShellProcess.Start($"exec {binary}\n", ns?.Name);
        await demo.WaitForLineAsync(l => l.StartsWith("Ctrl+C stops it.", StringComparison.Ordinal), TimeSpan.FromMinutes(1));

        var (code, output) = await ShellProcess.RunAsync(client.Replace(Dll, binary, StringComparison.Ordinal), TimeSpan.FromMinutes(2), ns?.Name);

        ReadmeBlockTests.AssertDemoClient(code, output, demo.Output);
    }

    /// <summary>Runs a publish block of the README once per test run and returns the file it made.</summary>
    private static async Task<string> PublishedBinaryAsync(string block)
    {
        if (block == "publish-aot")
        {
            Skip.If(LabWebServer.FindOnPath("clang") is null || !File.Exists("/usr/include/zlib.h"),
                "Native AOT links with clang and zlib: apt-get install -y clang zlib1g-dev (tests/run.sh installs them as root)");
        }
        await PublishLock.WaitAsync();
        (int Code, string Output) published;
        try
        {
            if (!Published.TryGetValue(block, out published))
            {
                published = Published[block] = await ShellProcess.RunAsync(ReadmeDocument.Load().Shell(block).Text, TimeSpan.FromMinutes(8));
            }
        }
        finally
        {
            PublishLock.Release();
        }
        var (code, output) = published;
        Assert.True(code == 0, $"the {block} block failed (exit {code}):\n{output}");
        var binary = Path.Combine(ReadmeDocument.RepoRoot, PublishDirs[block], "balancer");
        Assert.True(File.Exists(binary), $"no {binary} after the publish block:\n{output}");
        Assert.DoesNotContain(Directory.GetFiles(Path.GetDirectoryName(binary)!), f => f.EndsWith(".dll", StringComparison.Ordinal));
        return binary;
    }

    /// <summary>The unit's [Service] keys (the last value of each).</summary>
    private static Dictionary<string, string> Unit()
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        string section = "";
        foreach (var raw in File.ReadAllLines(UnitPath))
        {
            var line = raw.Trim();
            if (line.StartsWith('['))
            {
                section = line;
            }
            else if (section == "[Service]" && !line.StartsWith('#') && line.IndexOf('=', StringComparison.Ordinal) is > 0 and var eq)
            {
                keys[line[..eq]] = line[(eq + 1)..];
            }
        }
        return keys;
    }
}
