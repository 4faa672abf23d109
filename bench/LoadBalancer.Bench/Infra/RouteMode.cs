namespace LoadBalancer.Bench.Infra;

/// <summary>How the backends reach the client subnet while a contender runs.</summary>
internal enum RouteMode
{
    /// <summary>On-link (direct, full NAT, DSR and every proxy).</summary>
    OnLink,

    /// <summary>Via the balancer, so replies pass it again (L4 NAT and kernel DNAT).</summary>
    ViaBalancer,

    /// <summary>On-link with an advertised MSS of 1440 (IP-in-IP adds 20 bytes on the way in).</summary>
    Tunnel,
}
