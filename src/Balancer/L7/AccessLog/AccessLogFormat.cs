namespace LoadBalancer.Balancer.L7.AccessLog;

/// <summary>Line formats of the access log.</summary>
public enum AccessLogFormat
{
    /// <summary>One JSON object per line with every field.</summary>
    Json,

    /// <summary>Apache/nginx combined: common plus referer and user agent.</summary>
    Combined,

    /// <summary>Apache/nginx common log format.</summary>
    Common,
}
