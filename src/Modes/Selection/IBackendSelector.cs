namespace LoadBalancer.Modes.Selection;

/// <summary>Picks the backend for a new flow; built on the control plane, called on the data plane without allocating.</summary>
public interface IBackendSelector
{
    /// <summary>The policy name used in config (e.g. "maglev").</summary>
    string Name { get; }

    /// <summary>Returns the index (into the backend list the selector was built from) for a flow with this hash, or -1 when no backend can take it.</summary>
    int Select(ulong flowHash);
}
