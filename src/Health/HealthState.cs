namespace LoadBalancer.Health;

/// <summary>What active checks say about a backend.</summary>
public enum HealthState
{
    /// <summary>Not enough checks yet (new backend): takes no new flows until it has passed <c>Rise</c> checks.</summary>
    Unknown,

    /// <summary>Passed <c>Rise</c> consecutive checks.</summary>
    Healthy,

    /// <summary>Failed <c>Fall</c> consecutive checks.</summary>
    Unhealthy,
}
