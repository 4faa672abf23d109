namespace LoadBalancer.Balancer.Lab;

/// <summary>What <c>lab up</c> made, written as JSON to the state directory and read by <c>lab down</c> and <c>lab status</c>.</summary>
/// <param name="Prefix">The lab's namespace prefix.</param>
/// <param name="Mode">The mode the backends were prepared for.</param>
/// <param name="Namespaces">Every namespace created.</param>
/// <param name="Processes">Every long-running process started.</param>
/// <param name="WebServer">Which web server the backends run.</param>
/// <param name="Family">Which families the nodes have addresses in (absent in state files of older labs: IPv4).</param>
public sealed record LabState(
    string Prefix, LabMode Mode, IReadOnlyList<string> Namespaces, IReadOnlyList<LabProcess> Processes, string WebServer, LabFamily Family = LabFamily.Ipv4);

/// <summary>Compile-time JSON metadata for the lab's state file (indented, enums by name).</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(LabState))]
internal sealed partial class LabJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
