namespace LoadBalancer.Modes.ProxyProtocol;

/// <summary>Outcome of <see cref="ProxyHeaderParser.TryParse"/>.</summary>
public enum ProxyParseStatus
{
    /// <summary>Nothing wrong so far, but the header is not complete: read more.</summary>
    Incomplete,

    /// <summary>A whole, valid header.</summary>
    Complete,

    /// <summary>Not a valid header (the error says why): close the connection.</summary>
    Invalid,
}
