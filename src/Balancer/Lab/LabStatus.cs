namespace LoadBalancer.Balancer.Lab;

/// <summary>What exists of a lab right now.</summary>
/// <param name="Prefix">The lab's prefix.</param>
/// <param name="State">The recorded state, or null if there is no state file.</param>
/// <param name="Namespaces">Each namespace with the prefix found on the system, or expected by the state, and whether it exists.</param>
/// <param name="Processes">Each recorded process and whether it is still running.</param>
/// <param name="Listening">Each existing backend namespace with the TCP addresses (IP:port) something listens on there.</param>
public sealed record LabStatus(
    string Prefix,
    LabState? State,
    IReadOnlyList<(string Name, bool Exists)> Namespaces,
    IReadOnlyList<(LabProcess Process, bool Running)> Processes,
    IReadOnlyList<(string Namespace, IReadOnlyList<string> Addresses)> Listening)
{
    /// <summary>True when anything of the lab exists (a namespace, a running process or a state file).</summary>
    public bool AnythingExists => State is not null || Namespaces.Any(n => n.Exists) || Processes.Any(p => p.Running);
}
