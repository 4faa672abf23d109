namespace LoadBalancer.Balancer.L7.AccessLog;

/// <summary>Set on the connections of listeners whose access log is on, when not every listener logs.</summary>
public sealed class AccessLogListenerMark
{
    /// <summary>The one instance.</summary>
    public static readonly AccessLogListenerMark Instance = new();
}
