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

    /// <summary>
    /// Publishes <paramref name="built"/> if <see cref="Current"/> is still <paramref name="seen"/>; otherwise another
    /// thread published first and its state is returned, so that every thread goes on with the same state.
    /// </summary>
    public T Publish(T? seen, T built) =>
        Interlocked.CompareExchange(ref _current, built, seen) is var prior && ReferenceEquals(prior, seen) ? built : prior!;
}
