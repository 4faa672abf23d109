using System.Net;
using System.Net.Sockets;
using LoadBalancer.Balancer.Cli;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Tests.Cli;

/// <summary>The real executable: exit codes, messages and --help.</summary>
public sealed class CliTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Check_BadConfig_Exit1AndNamesEveryKey()
    {
        using var dir = new TempDir();
        var config = ConfigJson.Basic(["htp://x"]);
        config["Balancer"]!["Admin"]!["Url"] = "http://0.0.0.0:9100";
        var path = dir.File("bad.json", ConfigJson.Text(config));

        var r = await BalancerProcess.RunAsync(Limit, "check", "--config", path);

        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("ReverseProxy:Clusters:web:Destinations:d0:Address: 'htp://x' is not an absolute http(s) URL", r.Stderr);
        Assert.Contains("Balancer:Admin:Token: is required", r.Stderr);
        Assert.Contains("2 problem(s)", r.Stderr);
    }

    [Fact]
    public async Task Check_BadL4IoAndWorkers_Exit1AndNamesKeyValueAndRange()
    {
        using var dir = new TempDir();
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Configuration.ConfigLoaderTests.RepoRoot(), "configs", "l4-nat.json")),
            documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();
        config["L4"]!["Workers"] = 0;
        config["L4"]!["Io"] = new System.Text.Json.Nodes.JsonObject { ["Transmit"] = "dpdk", ["BatchSize"] = 2048 };
        var path = dir.File("bad-io.json", ConfigJson.Text(config));

        var r = await BalancerProcess.RunAsync(Limit, "check", "--config", path);

        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("L4:Workers: '0' must be from 1 to 16", r.Stderr);
        Assert.Contains("L4:Io:Transmit: 'dpdk' must be ring, sendmmsg or pcap", r.Stderr);
        Assert.Contains("L4:Io:BatchSize: '2048' must be from 1 to 1024", r.Stderr);
        Assert.Contains("3 problem(s)", r.Stderr);
    }

    [Fact]
    public async Task Check_GoodConfig_Exit0()
    {
        var r = await BalancerProcess.RunAsync(Limit, "check", "--config", Path.Combine(Configuration.ConfigLoaderTests.RepoRoot(), "configs", "l7.json"));

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Contains(": ok (", r.Stdout);
    }

    [Fact]
    public async Task Run_BadConfig_RefusesToStart()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.json", "{ \"Balancer\": { \"Listeners\": [ { \"Url\": \"ftp://x\" } ] } }");

        var r = await BalancerProcess.RunAsync(Limit, "run", "--config", path);

        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("Balancer:Listeners:0:Url: 'ftp://x' is not an absolute http(s) URL", r.Stderr);
    }

    [Fact]
    public async Task Run_PortInUse_Exit2WithMessage()
    {
        using var dir = new TempDir();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var config = ConfigJson.Basic(["http://127.0.0.1:1/"]);
        config["Balancer"]!["Listeners"]![0]!["Url"] = $"http://127.0.0.1:{port}";
        var path = dir.File("c.json", ConfigJson.Text(config));

        var r = await BalancerProcess.RunAsync(Limit, "run", "--config", path);

        Assert.Equal(ExitCodes.RuntimeFailure, r.ExitCode);
        Assert.Contains("cannot start", r.Stderr);
        Assert.Contains(port.ToString(), r.Stderr);
    }

    [Fact]
    public async Task Run_Sigterm_StopsCleanlyWithExit0()
    {
        using var dir = new TempDir();
        var path = dir.File("c.json", ConfigJson.Text(ConfigJson.Basic(["http://127.0.0.1:1/"])));
        using var p = BalancerProcess.Start("run", "--config", path);
        try
        {
            string? line;
            // A cold start beside the other tests: 60 s as for the other starts; the stop may take the front's 5 s grace and the admin's 2 s.
            while ((line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))) is not null && !line.StartsWith("balancer running"))
            {
            }
            Assert.NotNull(line);

            Assert.True((await ProcessRunner.RunAsync("kill", ["-TERM", p.Id.ToString()])).Ok);
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(ExitCodes.Ok, p.ExitCode);
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill();
            }
        }
    }

    [SkippableFact]
    public async Task Run_StartedUnderNohup_StillReloadsOnSighup()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/usr/bin/nohup"), "needs Linux and nohup");
        using var dir = new TempDir();
        var path = dir.File("c.json", ConfigJson.Text(ConfigJson.Basic(["http://127.0.0.1:1/"])));
        // nohup sets SIGHUP to SIG_IGN before exec, which .NET would keep: the balancer must take it back.
        using var p = ProcessRunner.Start("nohup", ["dotnet", BalancerProcess.DllPath, "run", "--config", path]);
        try
        {
            string? line;
            while ((line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))) is not null && !line.StartsWith("balancer running", StringComparison.Ordinal))
            {
            }
            Assert.NotNull(line);

            Assert.True((await ProcessRunner.RunAsync("kill", ["-HUP", p.Id.ToString()])).Ok);
            while ((line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))) is not null && !line.Contains("applied", StringComparison.Ordinal))
            {
            }

            Assert.NotNull(line);
            Assert.False(p.HasExited, "a hangup must not end the balancer");
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill();
            }
        }
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Run_InlineSocketCompletions_OneSocketEngineThreadPerCoreOnlyWhenOn(bool inline)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "reads the balancer's threads from /proc (Linux)");
        Skip.If(Environment.ProcessorCount < 2, "with one core the runtime runs one socket engine either way");
        Skip.If(Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is not null, "the test process sets the switch itself");
        using var dir = new TempDir();
        var config = ConfigJson.Basic(["http://127.0.0.1:1/"]);
        config["Balancer"]!["Tuning"] = new System.Text.Json.Nodes.JsonObject { ["InlineSocketCompletions"] = inline };
        var path = dir.File("c.json", ConfigJson.Text(config));
        using var p = ProcessRunner.Start("dotnet", [BalancerProcess.DllPath, "run", "--config", path]);
        try
        {
            var lines = new List<string>();
            string? line;
            while ((line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))) is not null && !line.StartsWith("balancer running", StringComparison.Ordinal))
            {
                lines.Add(line);
            }
            Assert.NotNull(line);

            // The engine threads exist once the listen sockets do; the runtime names them ".NET Sockets".
            var engines = Directory.GetDirectories($"/proc/{p.Id}/task")
                .Count(t => File.ReadAllText(Path.Combine(t, "comm")).Trim() == ".NET Sockets");
            Assert.Equal(inline ? Environment.ProcessorCount : 1, engines);
            Assert.Contains(lines, l => l.StartsWith("socket completions: " + (inline ? "inline" : "on the thread pool"), StringComparison.Ordinal));
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill();
            }
        }
    }

    [Fact]
    public async Task UnknownOption_Exit1()
    {
        var r = await BalancerProcess.RunAsync(Limit, "check", "--nope");

        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("--nope", r.Stderr);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("run", "--help")]
    [InlineData("check", "--help")]
    public async Task Help_EveryCommand_Exit0(params string[] args)
    {
        var r = await BalancerProcess.RunAsync(Limit, args);

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Contains("Usage:", r.Stdout);
    }
}
