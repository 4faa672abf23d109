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

    /// <summary>Active tracked flows per L4 service and backend (empty without an L4 engine).</summary>
    IReadOnlyDictionary<(string Service, string Backend), int> ActiveFlows() => new Dictionary<(string, string), int>();

    /// <summary>Traffic per backend and pool for the status page (null: not sampled).</summary>
    Traffic.TrafficHistory? Traffic => null;

    /// <summary>VIP announcement and node drain, when the config has L4 services.</summary>
    VipAnnouncer? Announcer { get; }
}
