using System.Runtime.InteropServices;
using System.Threading.Channels;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Metrics;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace LoadBalancer.Balancer.Hosting;

/// <summary>Reloads the config file when it changes (debounced), on SIGHUP and on request; applies a valid file, counts and logs a bad one.</summary>
/// <remarks>
/// Editors and tools write a file in steps (truncate, write, rename). A watcher-triggered read that finds the file empty or
/// half-written, or that fails while the file changes under it, is retried once the write settles (up to
/// <see cref="MaxAttempts"/> reads) instead of being counted as a failed reload of a file that is fine a moment later.
/// </remarks>
internal sealed partial class ConfigReloader : IAsyncDisposable
{
    /// <summary>Reads of one change before a still-unreadable file is reported as a failed reload.</summary>
    public const int MaxAttempts = 5;

    private readonly string _path;
    private readonly ConfigValidationContext _validation;
    private readonly Action<BalancerConfig> _apply;
    private readonly BalancerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeSpan _debounce;
    private readonly TimeSpan _settle;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly Timer _debounceTimer;
    private FileSystemWatcher? _watcher;
    private List<FileSystemWatcher> _fileWatchers = [];
    private PosixSignalRegistration? _sighup;
    private Task _watchLoop = Task.CompletedTask;

    private ConfigReloader(string path, BalancerHostOptions options, ConfigValidationContext validation, Action<BalancerConfig> apply, BalancerMetrics metrics, ILogger logger)
    {
        _path = path;
        _validation = validation;
        _apply = apply;
        _metrics = metrics;
        _logger = logger;
        _debounce = options.ReloadDebounce;
        _settle = options.ReloadSettleTime;
        _debounceTimer = new Timer(_ => _changes.Writer.TryWrite(true), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Raised after every counted reload attempt with its outcome.</summary>
    public event Action<ConfigLoadResult>? Reloaded;

    /// <summary>Raised when a watcher-triggered read failed on a file that may still be being written; the read is retried once the write settles.</summary>
    public event Action<ConfigLoadResult>? Deferred;

    /// <summary>Starts watching <paramref name="path"/> and listening for SIGHUP as <paramref name="options"/> ask.</summary>
    public static ConfigReloader Start(string path, BalancerHostOptions options, ConfigValidationContext validation, Action<BalancerConfig> apply, BalancerMetrics metrics, ILogger logger)
    {
        var reloader = new ConfigReloader(path, options, validation, apply, metrics, logger);
        if (options.WatchConfigFile)
        {
            reloader.Watch();
        }
        if (options.ReloadOnSighup && !OperatingSystem.IsWindows())
        {
            if (InheritedSignals.Unignore(InheritedSignals.Hangup))
            {
                LogSighupTakenBack(logger);
            }
            reloader._sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx =>
            {
                ctx.Cancel = true;
                // Off the signal thread: the other SIGHUP handlers (the access log's reopen) run after this one returns,
                // and must not wait for a whole reload to be read, validated and applied.
                _ = Task.Run(reloader.ReloadAsync);
            });
        }
        return reloader;
    }

    private void Watch()
    {
        var full = Path.GetFullPath(_path);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        // Every event restarts the quiet period; the watch loop reads once the file has been quiet for _debounce.
        FileSystemEventHandler changed = (_, _) => _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
        _watcher.Changed += changed;
        _watcher.Created += changed;
        _watcher.Renamed += (_, _) => _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
        _watcher.EnableRaisingEvents = true;
        _watchLoop = WatchLoopAsync(_stop.Token);
    }

    /// <summary>Also reloads the config when one of <paramref name="paths"/> (certificate and key files) changes, so a rewritten certificate is validated and applied like a config change; replaces the previous list.</summary>
    public void WatchFiles(IEnumerable<string> paths)
    {
        if (_watcher is null)
        {
            return;
        }
        var watchers = new List<FileSystemWatcher>();
        foreach (var full in paths.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal))
        {
            var watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            watcher.Changed += (_, _) => _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
            watcher.Created += (_, _) => _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
            watcher.Renamed += (_, _) => _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
            watcher.EnableRaisingEvents = true;
            watchers.Add(watcher);
        }
        var old = Interlocked.Exchange(ref _fileWatchers, watchers);
        foreach (var w in old)
        {
            w.Dispose();
        }
    }

    /// <summary>Reads the file once, validates it and applies it if valid; a bad file is counted and the running config stays.</summary>
    public async Task<ConfigLoadResult> ReloadAsync()
    {
        await _lock.WaitAsync();
        try
        {
            var result = await ConfigLoader.LoadFileAsync(_path, _validation);
            Finish(result);
            return result;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task WatchLoopAsync(CancellationToken ct)
    {
        try
        {
            while (await _changes.Reader.WaitToReadAsync(ct))
            {
                _changes.Reader.TryRead(out _);
                await ReloadChangedFileAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private async Task ReloadChangedFileAsync(CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            var before = FileStamp.Of(_path);
            await _lock.WaitAsync(ct);
            try
            {
                var result = await ConfigLoader.LoadFileAsync(_path, _validation, ct);
                bool changedWhileRead = FileStamp.Of(_path) != before;
                if (result.IsValid || attempt == MaxAttempts || !(result.Unparsable || changedWhileRead))
                {
                    Finish(result);
                    return;
                }
                Deferred?.Invoke(result);
            }
            finally
            {
                _lock.Release();
            }
            // The writer may not be done: its next write raises a change within the debounce. A file that stays quiet
            // for _settle is what the user saved, and the last read of it counts.
            if (!await NextChangeAsync(_settle, ct))
            {
                await ReloadAsync();
                return;
            }
        }
    }

    private async Task<bool> NextChangeAsync(TimeSpan within, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(within);
        try
        {
            await _changes.Reader.WaitToReadAsync(timeout.Token);
            return _changes.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private void Finish(ConfigLoadResult result)
    {
        if (!result.IsValid)
        {
            _metrics.ConfigReloads.WithLabels("failed").Inc();
            LogReloadRejected(_logger, _path, result.Errors.Count);
            foreach (var e in result.Errors)
            {
                LogConfigError(_logger, e.ToString());
            }
        }
        else
        {
            _apply(result.Config!);
            _metrics.ConfigReloads.WithLabels("ok").Inc();
            _metrics.LastReloadSuccess.SetToCurrentTimeUtc();
        }
        Reloaded?.Invoke(result);
    }

    /// <summary>Stops watching and listening; a reload in progress finishes first.</summary>
    public async ValueTask DisposeAsync()
    {
        _sighup?.Dispose();
        _watcher?.Dispose();
        foreach (var w in Interlocked.Exchange(ref _fileWatchers, []))
        {
            w.Dispose();
        }
        await _debounceTimer.DisposeAsync();
        await _stop.CancelAsync();
        await _watchLoop;
        await _lock.WaitAsync();
        _lock.Dispose();
        _stop.Dispose();
    }

    /// <summary>What a reader can see of a file without reading it: a write in progress changes it.</summary>
    private readonly record struct FileStamp(bool Exists, long Length, DateTime LastWriteUtc)
    {
        public static FileStamp Of(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(true, info.Length, info.LastWriteTimeUtc) : default;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Config reload from {Path} rejected with {Count} problem(s); the running config stays")]
    private static partial void LogReloadRejected(ILogger logger, string path, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGHUP was ignored by the parent process (nohup?); the balancer takes it back to reload its config")]
    private static partial void LogSighupTakenBack(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "  {Error}")]
    private static partial void LogConfigError(ILogger logger, string error);
}
