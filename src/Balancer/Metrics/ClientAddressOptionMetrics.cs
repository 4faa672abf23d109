using Prometheus;

namespace LoadBalancer.Balancer.Metrics;

/// <summary>What a <c>ClientAddressFrom: tcp-option</c> listener made of a connection's SYN (the <c>result</c> label).</summary>
public enum ClientAddressOptionResult
{
    /// <summary>A trusted peer's SYN carried the option: its address became the client address.</summary>
    Applied,

    /// <summary>The SYN carried no option (the peer's L4 service has ClientAddressOption off, or the client came directly).</summary>
    Absent,

    /// <summary>The option came from a peer outside ClientAddressTrusted and was ignored.</summary>
    Untrusted,

    /// <summary>The saved SYN or the option was malformed and was ignored.</summary>
    Malformed,

    /// <summary>The kernel kept no SYN for the connection (it was accepted through a SYN cookie, or the socket gave none).</summary>
    NoSavedSyn,
}

/// <summary>lb_client_address_option_total{listener,result}: connections of tcp-option listeners by what their SYN's option gave.</summary>
public sealed class ClientAddressOptionMetrics
{
    private static readonly string[] ResultLabels = ["applied", "absent", "untrusted", "malformed", "no_saved_syn"];
    private readonly Counter _connections;

    /// <summary>Creates the counter in the instance's registry.</summary>
    public ClientAddressOptionMetrics(BalancerMetrics metrics)
    {
        _connections = Prometheus.Metrics.WithCustomRegistry(metrics.Registry).CreateCounter("lb_client_address_option_total",
            "Connections of listeners with ClientAddressFrom tcp-option, by listener URL and what the SYN's client-address option gave.", ["listener", "result"]);
    }

    /// <summary>The label children of one listener, every result created up front (so each series exists as 0).</summary>
    public Counter.Child[] ForListener(string listener) =>
        [.. ResultLabels.Select(r => _connections.WithLabels(listener, r))];
}
