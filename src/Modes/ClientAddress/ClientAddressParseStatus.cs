namespace LoadBalancer.Modes.ClientAddress;

/// <summary>Outcome of <see cref="ClientAddressOptionParser.TryParse"/>.</summary>
public enum ClientAddressParseStatus
{
    /// <summary>A well-formed SYN header that carries the option: the address and port are set.</summary>
    Found,

    /// <summary>A well-formed SYN header without the option.</summary>
    Absent,

    /// <summary>The bytes are not an IP + TCP header, or the options are malformed, or the option has a bad length.</summary>
    Malformed,
}
