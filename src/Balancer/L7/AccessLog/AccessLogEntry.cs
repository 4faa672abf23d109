using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace LoadBalancer.Balancer.L7.AccessLog;

/// <summary>One request as the access log records it: references and numbers only, so queueing it copies a struct and allocates nothing; the writer formats it.</summary>
public readonly record struct AccessLogEntry
{
    /// <summary>When the request arrived (UTC).</summary>
    public DateTime Time { get; init; }

    /// <summary>The connection's remote address.</summary>
    public IPAddress? Peer { get; init; }

    /// <summary>X-Forwarded-For as sent by a trusted peer (its first address is the client), else null.</summary>
    public string? ForwardedFor { get; init; }

    /// <summary>HTTP method.</summary>
    public string Method { get; init; }

    /// <summary>Host header.</summary>
    public string Host { get; init; }

    /// <summary>Path (URL-escaped as received).</summary>
    public string Path { get; init; }

    /// <summary>Query string with its leading '?', or empty.</summary>
    public string Query { get; init; }

    /// <summary>HTTP/1.1, HTTP/2...</summary>
    public string Protocol { get; init; }

    /// <summary>Response status code.</summary>
    public int Status { get; init; }

    /// <summary>Request body bytes read from the client.</summary>
    public long BytesIn { get; init; }

    /// <summary>Response body bytes written to the client.</summary>
    public long BytesOut { get; init; }

    /// <summary>Total time, in seconds.</summary>
    public double Duration { get; init; }

    /// <summary>Time until the backend's response headers arrived, in seconds; negative when no backend answered.</summary>
    public double BackendTime { get; init; }

    /// <summary>YARP route id, or null when no route matched.</summary>
    public string? Route { get; init; }

    /// <summary>YARP cluster id.</summary>
    public string? Cluster { get; init; }

    /// <summary>The destination the request went to.</summary>
    public string? Destination { get; init; }

    /// <summary>YARP's error, <see cref="ForwarderError.None"/> when there was none.</summary>
    public ForwarderError Error { get; init; }

    /// <summary>Referer header (combined format).</summary>
    public string? Referer { get; init; }

    /// <summary>User-Agent header (combined format).</summary>
    public string? UserAgent { get; init; }
}
