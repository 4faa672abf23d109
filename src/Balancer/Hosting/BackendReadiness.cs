using LoadBalancer.Balancer.Control;
using LoadBalancer.Health;

namespace LoadBalancer.Balancer.Hosting;

/// <summary>Waits until every configured backend takes new requests, so a "ready" message is true when it is printed.</summary>
public static class BackendReadiness
{
    /// <summary>
    /// Completes with true once every backend of every pool accepts new flows (healthy and ready), or with false when
    /// <paramref name="timeout"/> passes first. A pool without backends counts as ready.
    /// </summary>
    public static Task<bool> WaitAllAcceptingAsync(BackendControl control, TimeSpan timeout, CancellationToken ct = default) =>
        WaitAsync(control, AllAccepting, timeout, ct);

    /// <summary>Like <see cref="WaitAllAcceptingAsync"/>, but a pool is ready once one of its backends accepts new flows.</summary>
    public static Task<bool> WaitEachPoolServingAsync(BackendControl control, TimeSpan timeout, CancellationToken ct = default) =>
        WaitAsync(control, EachPoolServing, timeout, ct);

    private static async Task<bool> WaitAsync(BackendControl control, Func<HealthSnapshot, bool> ready, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(control);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(HealthSnapshot snapshot)
        {
            if (ready(snapshot))
            {
                done.TrySetResult();
            }
        }

        // Subscribed after the host's own handler, so YARP's available destinations are already updated when this fires.
        control.Changed += OnChanged;
        try
        {
            OnChanged(control.Store.Current);
            using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeoutCts.CancelAfter(timeout);
            try
            {
                await done.Task.WaitAsync(timeoutCts.Token);
                return true;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return false;
            }
        }
        finally
        {
            control.Changed -= OnChanged;
        }
    }

    /// <summary>True when every backend in the snapshot accepts new flows.</summary>
    public static bool AllAccepting(HealthSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Pools.Values.All(pool => pool.All(b => b.AcceptsNewFlows));
    }

    /// <summary>True when every pool with backends has at least one that accepts new flows.</summary>
    public static bool EachPoolServing(HealthSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Pools.Values.All(pool => !pool.Any() || pool.Any(b => b.AcceptsNewFlows));
    }
}
