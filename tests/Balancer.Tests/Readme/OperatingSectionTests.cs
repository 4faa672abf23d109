using System.Buffers;
using System.Net;
using System.Text.Json;
using LoadBalancer.Balancer.L7.AccessLog;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.Readme;

/// <summary>The README's "Operating the L7 front" section stays true: its config passes the real <c>balancer check</c>, its sample line has the fields the log writes.</summary>
public sealed class OperatingSectionTests
{
    private static (ReadmeBlock Config, ReadmeBlock Line) Blocks()
    {
        var readme = ReadmeDocument.Load();
        var start = readme.Text.IndexOf("## Operating the L7 front", StringComparison.Ordinal);
        Assert.True(start > 0, "no Operating the L7 front section");
        var line = readme.Text[..start].Count(c => c == '\n') + 1;
        var blocks = readme.Blocks.Where(b => b.Line > line).Take(2).ToList();
        Assert.Equal("json", blocks[0].Language);
        Assert.Equal("text", blocks[1].Language);
        return (blocks[0], blocks[1]);
    }

    [Fact]
    public async Task ExampleConfig_PassesBalancerCheck()
    {
        using var dir = new TempDir();
        var path = dir.File("operating.json", Blocks().Config.Text);

        var r = await BalancerProcess.RunAsync(TimeSpan.FromMinutes(1), "check", "--config", path);

        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
    }

    [Fact]
    public void ExampleLine_HasExactlyTheFieldsTheLogWrites()
    {
        var shown = JsonDocument.Parse(Blocks().Line.Text).RootElement.EnumerateObject().Select(p => p.Name).ToList();
        var buffer = new ArrayBufferWriter<byte>();
        new AccessLogFormatter(AccessLogFormat.Json).Write(new AccessLogEntry
        {
            Time = DateTime.UtcNow, Peer = IPAddress.Loopback, Method = "GET", Host = "h", Path = "/", Query = "", Protocol = "HTTP/1.1", Status = 200,
        }, buffer);

        var written = JsonDocument.Parse(buffer.WrittenMemory).RootElement.EnumerateObject().Select(p => p.Name).ToList();

        Assert.Equal(written, shown);
    }
}
