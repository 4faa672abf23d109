namespace LoadBalancer.Balancer.L7.LoadBalancing;

/// <summary>Where <see cref="ConsistentHashPolicy"/> takes the value it hashes from.</summary>
internal enum HashKeySource
{
    /// <summary>The client's IP address (the connection's remote address).</summary>
    ClientIp,

    /// <summary>A request header's value; the client IP when the header is missing or empty.</summary>
    Header,

    /// <summary>A request cookie's value; the client IP when the cookie is missing or empty.</summary>
    Cookie,
}
