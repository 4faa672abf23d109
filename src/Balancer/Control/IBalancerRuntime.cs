using LoadBalancer.Balancer.Announce;
using LoadBalancer.Balancer.Configuration;

namespace LoadBalancer.Balancer.Control;

/// <summary>What the admin API needs of a running balancer; the host implements it, so Control does not depend on Hosting.</summary>
public interface IBalancerRuntime
{
    /// <summary>The config in force.</summary>
    BalancerConfig Current { get; }

    /// <summary>Health, admin state and weights of every backend.</summary>
    BackendControl Control { get; }

    /// <summary>Reads the config file again and applies it if valid.</summary>
    Task<ConfigLoadResult> ReloadAsync();

    /// <summary>In-flight requests per L7 cluster and destination.</summary>
    IReadOnlyDictionary<(string Cluster, string Destination), int> ActiveRequests();

    /// <summary>VIP announcement and node drain, when the config has L4 services.</summary>
    VipAnnouncer? Announcer { get; }
}
