namespace LoadBalancer.Modes.Pipeline;

/// <summary>Holds the current <see cref="L4Snapshot"/>; the control plane publishes, packet threads read once per packet.</summary>
public sealed class L4SnapshotSource
{
    private volatile L4Snapshot? _current;

    /// <summary>Creates the holder, optionally with a first snapshot.</summary>
    public L4SnapshotSource(L4Snapshot? initial = null) => _current = initial;

    /// <summary>The snapshot in force (null until the first publish).</summary>
    public L4Snapshot? Current => _current;

    /// <summary>Replaces the snapshot with one volatile write; packets already in flight finish on the old one.</summary>
    public void Publish(L4Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _current = snapshot;
    }
}
