using System.Buffers;
using System.Net;
using System.Text;
using LoadBalancer.Balancer.L7.AccessLog;
using LoadBalancer.TestSupport;
using Yarp.ReverseProxy.Forwarder;

namespace LoadBalancer.Balancer.Tests.L7.Operations;

/// <summary>The formatter on the writer task: lines that cannot be broken by what a client sends, and no allocation per line.</summary>
public sealed class AccessLogFormatterTests
{
    private static AccessLogEntry Entry(string path = "/p", string? agent = "curl/8") => new()
    {
        Time = new DateTime(2026, 12, 2, 10, 40, 1, 207, DateTimeKind.Utc),
        Peer = IPAddress.Parse("::ffff:192.0.2.10"),
        Method = "GET",
        Host = "h.test",
        Path = path,
        Query = "?a=1",
        Protocol = "HTTP/2",
        Status = 503,
        BytesOut = 17,
        Duration = 0.0123456,
        BackendTime = -1,
        Route = "r",
        Cluster = "c",
        Error = ForwarderError.RequestTimedOut,
        UserAgent = agent,
    };

    private static string Format(AccessLogFormat format, AccessLogEntry entry)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new AccessLogFormatter(format).Write(entry, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Combined_HostileAgent_QuotesAndNewlinesEscapedSoTheLineStaysOneLine()
    {
        var line = Format(AccessLogFormat.Combined, Entry(agent: "evil\" \"x\nnext"));

        Assert.Equal("192.0.2.10 - - [02/Dec/2026:10:40:01 +0000] \"GET /p?a=1 HTTP/2\" 503 17 \"-\" \"evil\\x22 \\x22x\\x0Anext\"\n", line);
    }

    [Fact]
    public void Json_MappedPeerAndError_WrittenAsPlainFields()
    {
        var line = Format(AccessLogFormat.Json, Entry());

        Assert.EndsWith("\n", line);
        var e = System.Text.Json.JsonDocument.Parse(line).RootElement;
        Assert.Equal("192.0.2.10", e.GetProperty("client").GetString());
        Assert.Equal("RequestTimedOut", e.GetProperty("error").GetString());
        Assert.Equal(12.346, e.GetProperty("duration_ms").GetDouble());
        Assert.Equal("2026-12-02T10:40:01.207Z", e.GetProperty("time").GetString());
    }

    [Theory]
    [InlineData(AccessLogFormat.Json)]
    [InlineData(AccessLogFormat.Combined)]
    [InlineData(AccessLogFormat.Common)]
    public void Write_ThousandLinesIntoAReusedBuffer_AllocatesNothing(AccessLogFormat format)
    {
        var formatter = new AccessLogFormatter(format);
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        var entry = Entry() with { Error = ForwarderError.None };

        var rounds = Allocations.UntilSteady(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                formatter.Write(entry, buffer);
            }
            buffer.ResetWrittenCount();
        });

        Assert.True(Allocations.Settled(rounds), Allocations.Describe(rounds));
    }
}
