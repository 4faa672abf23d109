namespace LoadBalancer.Balancer.Configuration;

/// <summary>One problem found in a config file: the key path (colon separated, as in ASP.NET configuration), the offending value and what is wrong.</summary>
/// <param name="Path">Key path such as <c>ReverseProxy:Clusters:web:Destinations:d1:Address</c>.</param>
/// <param name="Value">The raw value found there, or null when the key is missing.</param>
/// <param name="Message">What is wrong, phrased to follow the value.</param>
public sealed record ConfigError(string Path, string? Value, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Value is null ? $"{Path}: {Message}" : $"{Path}: '{Value}' {Message}";
}
