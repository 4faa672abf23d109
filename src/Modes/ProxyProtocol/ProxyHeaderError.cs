namespace LoadBalancer.Modes.ProxyProtocol;

/// <summary>Why a PROXY header was refused.</summary>
public enum ProxyHeaderError
{
    /// <summary>No error.</summary>
    None,

    /// <summary>The bytes start neither with "PROXY " nor with the version 2 signature.</summary>
    BadSignature,

    /// <summary>A version the listener does not accept (a v2 header on a v1 listener or the other way round).</summary>
    VersionNotAllowed,

    /// <summary>The header is cut off wrongly or holds a field that is not valid (addresses, ports, command, family).</summary>
    Malformed,

    /// <summary>A version 1 line with no CRLF within 107 bytes (the spec's limit).</summary>
    TooLong,
}
