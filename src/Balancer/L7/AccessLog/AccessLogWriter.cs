using System.Buffers;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace LoadBalancer.Balancer.L7.AccessLog;

/// <summary>
/// Takes entries from requests through a bounded queue and writes them from one task: a request never waits for the
/// log; when the queue is full its line is dropped and counted. A file sink is reopened (for logrotate) after SIGHUP or
/// SIGUSR1, before the next line is written.
/// </summary>
public sealed partial class AccessLogWriter : IAsyncDisposable
{
    private const int FlushThreshold = 64 * 1024;

    private readonly Channel<AccessLogEntry> _queue;
    private readonly AccessLogFormatter _formatter;
    private readonly Func<Stream> _open;
    private readonly Counter _lines;
    private readonly Counter _dropped;
    private readonly ILogger _logger;
    private readonly ArrayBufferWriter<byte> _buffer = new(FlushThreshold * 2);
    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly Task _loop;
    private Stream? _sink;
    private int _reopen;

    /// <summary>Starts the writer task.</summary>
    /// <param name="format">Line format.</param>
    /// <param name="queueSize">Entries the queue holds.</param>
    /// <param name="open">Opens the sink (again after a reopen request).</param>
    /// <param name="lines">Counts lines written.</param>
    /// <param name="dropped">Counts lines dropped on a full queue.</param>
    /// <param name="logger">Where write failures are reported.</param>
    public AccessLogWriter(AccessLogFormat format, int queueSize, Func<Stream> open, Counter lines, Counter dropped, ILogger logger)
    {
        _queue = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(queueSize)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _formatter = new AccessLogFormatter(format);
        _open = open;
        _lines = lines;
        _dropped = dropped;
        _logger = logger;
        _loop = Task.Run(WriteLoopAsync);
    }

    /// <summary>Opens a file sink for appending, shared so that logrotate and readers can rename and read it.</summary>
    public static Func<Stream> FileSink(string path) =>
        () => new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);

    /// <summary>Standard output (not closed by a reopen).</summary>
    public static Stream StandardOutput() => Console.OpenStandardOutput();

    /// <summary>Reopens the sink on SIGHUP and SIGUSR1 (logrotate's usual signals).</summary>
    public void ReopenOnSignals()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        // SIGUSR1 has no PosixSignal member; raw signal numbers are accepted on Unix.
        foreach (var signal in new[] { PosixSignal.SIGHUP, (PosixSignal)10 })
        {
            Hosting.InheritedSignals.Unignore(signal == PosixSignal.SIGHUP ? Hosting.InheritedSignals.Hangup : Hosting.InheritedSignals.User1);
            _signals.Add(PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true;
                RequestReopen();
            }));
        }
    }

    /// <summary>Closes and reopens the sink before the next line is written.</summary>
    public void RequestReopen() => Volatile.Write(ref _reopen, 1);

    /// <summary>Queues an entry; false (and counted) when the queue is full.</summary>
    public bool TryWrite(in AccessLogEntry entry)
    {
        if (_queue.Writer.TryWrite(entry))
        {
            return true;
        }
        _dropped.Inc();
        return false;
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            long count = 0;
            while (_buffer.WrittenCount < FlushThreshold && reader.TryRead(out var entry))
            {
                _formatter.Write(entry, _buffer);
                count++;
            }
            WriteOut(count);
        }
        _sink?.Dispose();
    }

    private void WriteOut(long count)
    {
        try
        {
            if (Interlocked.Exchange(ref _reopen, 0) == 1 && _sink is not null)
            {
                _sink.Dispose();
                _sink = null;
            }
            _sink ??= _open();
            _sink.Write(_buffer.WrittenSpan);
            _sink.Flush();
            _lines.Inc(count);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // Lines lost to a failing sink are counted as dropped; the next batch opens the sink again.
            _dropped.Inc(count);
            LogWriteFailed(_logger, e.Message);
            _sink?.Dispose();
            _sink = null;
        }
        finally
        {
            _buffer.ResetWrittenCount();
        }
    }

    /// <summary>Writes what is queued, then closes the sink.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var s in _signals)
        {
            s.Dispose();
        }
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Access log write failed, lines dropped: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string error);
}
