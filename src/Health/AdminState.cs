namespace LoadBalancer.Health;

/// <summary>What an operator set for a backend, independent of health.</summary>
public enum AdminState
{
    /// <summary>In service.</summary>
    Ready,

    /// <summary>No new flows; existing flows finish.</summary>
    Drain,

    /// <summary>Out of service: no new flows, and the data plane may move or drop existing ones.</summary>
    Maint,
}
