namespace LoadBalancer.Health.Probes;

/// <summary>Why a probe succeeded or failed; a closed set so it can be a metric label.</summary>
public enum ProbeReason
{
    /// <summary>The check passed.</summary>
    Ok,

    /// <summary>No answer before the probe's deadline.</summary>
    Timeout,

    /// <summary>The backend actively refused the connection (TCP RST).</summary>
    Refused,

    /// <summary>No route to the host or network.</summary>
    Unreachable,

    /// <summary>An HTTP answer arrived with a status outside the expected range.</summary>
    BadStatus,

    /// <summary>An HTTP answer arrived but its body lacks the expected text.</summary>
    BodyMismatch,

    /// <summary>The TLS handshake or certificate validation failed.</summary>
    TlsError,

    /// <summary>Any other failure (protocol error, probe bug, probe not registered).</summary>
    Error,
}
