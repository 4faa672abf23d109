namespace LoadBalancer.Balancer.L7.LoadBalancing;

/// <summary>Holds the current per-cluster state of a policy; replaced whole, read with one volatile read.</summary>
/// <typeparam name="T">The policy's immutable per-cluster state.</typeparam>
internal sealed class ClusterStateBox<T>
    where T : class
{
    private volatile T? _current;

    /// <summary>The state last published, or null before the first request.</summary>
    public T? Current
    {
        get => _current;
        set => _current = value;
    }
}
