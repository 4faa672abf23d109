using System.Text;
using LoadBalancer.Balancer.Configuration;

namespace LoadBalancer.Balancer.Tests.Fuzz;

/// <summary>The `config` fuzz target: bytes as UTF-8 JSON through <see cref="ConfigLoader.LoadTextAsync"/>; any exception is a bug.</summary>
internal static class ConfigHarness
{
    private static readonly Lazy<ConfigValidationContext> s_context = new(ConfigValidationContext.CreateStandalone);

    // Relative certificate paths in fuzzed configs resolve here; nothing is written to it.
    private static readonly string s_baseDirectory = Path.Combine(Path.GetTempPath(), "lb-fuzz-config-base");

    /// <summary>Loads one input as a config and checks that the result is consistent (valid with no errors, or invalid with at least one).</summary>
    public static ConfigLoadResult Run(ReadOnlySpan<byte> data)
    {
        string json = Encoding.UTF8.GetString(data);
        ConfigLoadResult result = ConfigLoader.LoadTextAsync(json, "fuzz.json", s_baseDirectory, s_context.Value).GetAwaiter().GetResult();
        if (result.Config is null && result.Errors.Count == 0)
        {
            throw new InvalidOperationException("config rejected without an error");
        }

        if (result.Config is not null && result.Errors.Count != 0)
        {
            throw new InvalidOperationException("config returned together with errors");
        }

        foreach (ConfigError error in result.Errors)
        {
            if (error is null || string.IsNullOrEmpty(error.Message))
            {
                throw new InvalidOperationException("config error without a message");
            }
        }

        return result;
    }
}
