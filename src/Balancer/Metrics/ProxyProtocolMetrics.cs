using Prometheus;

namespace LoadBalancer.Balancer.Metrics;

/// <summary>Why an inbound connection's PROXY header was refused (the <c>reason</c> label).</summary>
public enum ProxyProtocolRejectReason
{
    /// <summary>The connection came from outside the listener's trusted networks.</summary>
    Untrusted,

    /// <summary>The first bytes are not a PROXY header.</summary>
    BadSignature,

    /// <summary>A PROXY version the listener does not accept.</summary>
    Version,

    /// <summary>A header with a field that is not valid.</summary>
    Malformed,

    /// <summary>A v1 line longer than 107 bytes.</summary>
    TooLong,

    /// <summary>The header was not complete within the request-headers timeout.</summary>
    Timeout,

    /// <summary>The client closed the connection before the header was complete.</summary>
    Closed,
}

/// <summary>lb_proxy_protocol_rejected_total{listener,reason}: inbound connections closed because of their PROXY header or source.</summary>
public sealed class ProxyProtocolMetrics
{
    private static readonly string[] ReasonLabels = ["untrusted", "bad_signature", "version", "malformed", "too_long", "timeout", "closed"];
    private readonly Counter _rejected;

    /// <summary>Creates the counter in the instance's registry.</summary>
    public ProxyProtocolMetrics(BalancerMetrics metrics)
    {
        _rejected = Prometheus.Metrics.WithCustomRegistry(metrics.Registry).CreateCounter("lb_proxy_protocol_rejected_total",
            "Inbound connections closed because of their PROXY protocol header or an untrusted source, by listener URL and reason.", ["listener", "reason"]);
    }

    /// <summary>The label children of one listener, every reason created up front (so each series exists as 0).</summary>
    public Counter.Child[] ForListener(string listener) =>
        [.. ReasonLabels.Select(r => _rejected.WithLabels(listener, r))];
}
