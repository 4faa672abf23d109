using System.Net;
using LoadBalancer.Balancer.L7.AccessLog;
using LoadBalancer.Balancer.Tests.TestSupport;
using LoadBalancer.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace LoadBalancer.Balancer.Tests.L7.Operations;

/// <summary>The writer behind the access log: a full queue drops and counts instead of making requests wait; a reopen moves to a new file.</summary>
public sealed class AccessLogWriterTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static AccessLogEntry Entry(int i) => new()
    {
        Time = DateTime.UtcNow,
        Peer = IPAddress.Loopback,
        Method = "GET",
        Host = "h",
        Path = $"/{i}",
        Query = "",
        Protocol = "HTTP/1.1",
        Status = 200,
        BackendTime = -1,
    };

    private static (Counter Lines, Counter Dropped) Counters()
    {
        var f = Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry());
        return (f.CreateCounter("lines", "l"), f.CreateCounter("dropped", "d"));
    }

    [Fact]
    public async Task TryWrite_SinkBlocked_QueueFillsThenLinesAreDroppedAndCountedWithoutWaiting()
    {
        var (lines, dropped) = Counters();
        using var sink = new BlockingSink();
        var writer = new AccessLogWriter(AccessLogFormat.Json, 4, () => sink, lines, dropped, NullLogger.Instance);

        Assert.True(writer.TryWrite(Entry(0)));
        await Poll.UntilAsync(() => sink.Entered, Wait, "the writer blocked in the sink");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var accepted = Enumerable.Range(1, 10).Count(i => writer.TryWrite(Entry(i)));
        var elapsed = clock.Elapsed;

        Assert.Equal(4, accepted);
        Assert.Equal(6, dropped.Value);
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"TryWrite waited {elapsed}");
        sink.Release();
        await Poll.UntilAsync(() => lines.Value == 5, Wait, "the 5 queued lines written");
        await writer.DisposeAsync();
        var text = sink.Text();
        Assert.Equal(["/0", "/1", "/2", "/3", "/4"], text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("path").GetString()));
    }

    [Fact]
    public async Task RequestReopen_FileRenamed_NextLinesGoToANewFile()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "access.log");
        var (lines, dropped) = Counters();
        var writer = new AccessLogWriter(AccessLogFormat.Common, 100, AccessLogWriter.FileSink(path), lines, dropped, NullLogger.Instance);
        writer.TryWrite(Entry(1));
        await Poll.UntilAsync(() => lines.Value == 1, Wait, "first line");
        File.Move(path, path + ".1");

        writer.TryWrite(Entry(2));
        await Poll.UntilAsync(() => lines.Value == 2, Wait, "second line");
        writer.RequestReopen();
        writer.TryWrite(Entry(3));
        await Poll.UntilAsync(() => lines.Value == 3, Wait, "third line");
        await writer.DisposeAsync();

        // Before the reopen the writer still holds the renamed file, as a process does until logrotate signals it.
        Assert.Equal(2, File.ReadAllLines(path + ".1").Length);
        Assert.Contains("\"GET /3 HTTP/1.1\"", Assert.Single(File.ReadAllLines(path)));
        Assert.Equal(0, dropped.Value);
    }

    private sealed class BlockingSink : MemoryStream
    {
        private readonly ManualResetEventSlim _gate = new();
        private volatile bool _entered;

        public bool Entered => _entered;

        public void Release() => _gate.Set();

        public string Text()
        {
            lock (this)
            {
                return System.Text.Encoding.UTF8.GetString(ToArray());
            }
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _entered = true;
            _gate.Wait(TimeSpan.FromSeconds(30));
            lock (this)
            {
                base.Write(buffer);
            }
        }

        protected override void Dispose(bool disposing)
        {
            // The writer disposes its sink on stop; keep the bytes readable for the assertion.
        }
    }
}
