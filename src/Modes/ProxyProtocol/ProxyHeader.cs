using System.Net;

namespace LoadBalancer.Modes.ProxyProtocol;

/// <summary>A parsed PROXY header: how many bytes it took and, unless it is LOCAL/UNKNOWN, the addresses it carries.</summary>
public readonly record struct ProxyHeader
{
    /// <summary>Bytes of the header (consumed from the stream before the payload).</summary>
    public int Length { get; init; }

    /// <summary>1 or 2.</summary>
    public int Version { get; init; }

    /// <summary>The original client, or null for a v2 LOCAL command, v1 UNKNOWN or an address family without IP (keep the socket's address).</summary>
    public IPEndPoint? Source { get; init; }

    /// <summary>The address the client connected to, or null when <see cref="Source"/> is null.</summary>
    public IPEndPoint? Destination { get; init; }
}
