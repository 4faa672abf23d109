namespace LoadBalancer.Modes.Checksums;

/// <summary>How a service fixes transport checksums after a rewrite.</summary>
public enum ChecksumMode : byte
{
    /// <summary>Recompute the whole TCP/UDP checksum (safe with CHECKSUM_PARTIAL input from veth); the default.</summary>
    Full = 0,

    /// <summary>Patch the checksum for the changed words only (RFC 1624); assumes the input checksum is complete.</summary>
    Incremental = 1,
}
