namespace LoadBalancer.Modes.Selection;

/// <summary>Consistent-hash selector over a <see cref="MaglevTable"/>: the same flow hash always picks the same backend.</summary>
public sealed class MaglevSelector : IBackendSelector
{
    /// <summary>The config name of this policy.</summary>
    public const string PolicyName = "maglev";

    private readonly MaglevTable _table;

    /// <summary>Wraps an already built table.</summary>
    public MaglevSelector(MaglevTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        _table = table;
    }

    /// <summary>Builds a table of <paramref name="size"/> slots for <paramref name="backends"/> and wraps it.</summary>
    public MaglevSelector(IReadOnlyList<BackendWeight> backends, int size = MaglevTable.DefaultSize)
        : this(MaglevTable.Build(backends, size))
    {
    }

    /// <inheritdoc />
    public string Name => PolicyName;

    /// <summary>The table this selector reads.</summary>
    public MaglevTable Table => _table;

    /// <inheritdoc />
    public int Select(ulong flowHash) => _table.Lookup(flowHash);
}
