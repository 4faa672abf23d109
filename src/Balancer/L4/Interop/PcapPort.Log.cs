namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Source-generated log messages of <see cref="PcapPort"/> (cold paths only: first failure of a kind).</summary>
public sealed partial class PcapPort
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "pcap send on {Interface} failed for a {Length}-byte frame: {Error} (further failures are only counted)")]
    private static partial void LogSendFailed(ILogger logger, string @interface, int length, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "frame handler on {Interface} threw (further errors are only counted)")]
    private static partial void LogHandlerFailed(ILogger logger, string @interface, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "pcap receive thread on {Interface} did not stop in time; its handle is left open")]
    private static partial void LogReceiveThreadStuck(ILogger logger, string @interface);

    [LoggerMessage(Level = LogLevel.Error, Message = "pcap receive on {Interface} ended with code {Code}: {Error}")]
    private static partial void LogReceiveEnded(ILogger logger, string @interface, int code, string error);
}
