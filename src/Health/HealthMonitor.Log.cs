using LoadBalancer.Health.Probes;
using Microsoft.Extensions.Logging;

namespace LoadBalancer.Health;

/// <summary>Source-generated log messages of the monitor.</summary>
public sealed partial class HealthMonitor
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Backend {Pool}/{Backend} is healthy (was {From}): {Reason}", EventName = "BackendHealthy")]
        public static partial void BecameHealthy(ILogger logger, string pool, string backend, HealthState from, string reason);

        [LoggerMessage(2, LogLevel.Warning, "Backend {Pool}/{Backend} is unhealthy (was {From}): {Reason}", EventName = "BackendUnhealthy")]
        public static partial void BecameUnhealthy(ILogger logger, string pool, string backend, HealthState from, string reason);

        [LoggerMessage(3, LogLevel.Debug, "Check of {Pool}/{Backend} ({Probe}) failed: {Reason}: {Detail}", EventName = "CheckFailed")]
        public static partial void CheckFailed(ILogger logger, string pool, string backend, string probe, ProbeReason reason, string detail);

        [LoggerMessage(4, LogLevel.Error, "Health check loop of {Pool}/{Backend} failed; retrying at the normal interval", EventName = "LoopFailed")]
        public static partial void LoopFailed(ILogger logger, string pool, string backend, Exception exception);

        [LoggerMessage(5, LogLevel.Error, "A health transition handler failed for {Pool}/{Backend}", EventName = "HandlerFailed")]
        public static partial void HandlerFailed(ILogger logger, string pool, string backend, Exception exception);

        [LoggerMessage(6, LogLevel.Information, "Health targets updated: {Added} added, {Changed} changed, {Removed} removed, {Kept} kept", EventName = "TargetsUpdated")]
        public static partial void TargetsUpdated(ILogger logger, int added, int changed, int removed, int kept);

        [LoggerMessage(7, LogLevel.Error, "A check-completed handler failed for {Pool}/{Backend}", EventName = "CheckHandlerFailed")]
        public static partial void CheckHandlerFailed(ILogger logger, string pool, string backend, Exception exception);
    }
}
