namespace LoadBalancer.Modes.ProxyProtocol;

/// <summary>Which PROXY protocol versions a listener accepts (flags: <see cref="Any"/> is both).</summary>
[Flags]
public enum ProxyProtocolVersions
{
    /// <summary>No PROXY header is expected.</summary>
    Off = 0,

    /// <summary>The text header, version 1 ("PROXY TCP4 ...\r\n").</summary>
    V1 = 1,

    /// <summary>The binary header, version 2 (12-byte signature).</summary>
    V2 = 2,

    /// <summary>Either version, told apart by the first byte.</summary>
    Any = V1 | V2,
}
