using Microsoft.Extensions.Logging;

namespace LoadBalancer.Health;

/// <summary>Source-generated log messages of the store.</summary>
public sealed partial class BackendStateStore
{
    private static partial class Log
    {
        [LoggerMessage(101, LogLevel.Error, "A snapshot handler failed for snapshot {Version}", EventName = "SnapshotHandlerFailed")]
        public static partial void HandlerFailed(ILogger logger, long version, Exception exception);
    }
}
