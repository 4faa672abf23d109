using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Configuration;

namespace LoadBalancer.Balancer.Tests.Readme;

/// <summary>Every key of the README's config reference tables is a key the loader reads, spelled as it reads it.</summary>
public sealed class ConfigReferenceTests
{
    public static TheoryData<string> DocumentedKeys()
    {
        var data = new TheoryData<string>();
        foreach (var key in Keys(ReadmeDocument.Load()))
        {
            data.Add(key);
        }
        return data;
    }

    [Fact]
    public void Tables_ListTheKeysOfEverySection()
    {
        var keys = Keys(ReadmeDocument.Load());
        // A parse that finds nothing would make the theory below vacuous.
        Assert.Contains("Balancer:Limits:ConnectRetries", keys);
        Assert.Contains("L4:ConnectionTable:UdpTimeout", keys);
        Assert.Contains("L4:Services:web:Backends:b1:Weight", keys);
        Assert.Contains("Health:Pools:web:Check:InsecureSkipVerify", keys);
        Assert.Contains("Demo:Backends[]:Url", keys);
        Assert.True(keys.Count > 45, $"only {keys.Count} keys found");
    }

    [Theory]
    [MemberData(nameof(DocumentedKeys))]
    public async Task DocumentedKey_IsNotUnknownToTheLoader(string key)
    {
        var errors = await UnknownKeyErrors(key);
        Assert.True(errors.Count == 0, $"{key}: {string.Join("; ", errors)}");
    }

    [Fact]
    public async Task MisspelledKey_IsUnknown()
    {
        // The theory above can fail: the same check on keys one letter off.
        Assert.NotEmpty(await UnknownKeyErrors("Balancer:Limits:ConnectRetry"));
        Assert.NotEmpty(await UnknownKeyErrors("L4:Services:web:Backends:b1:Wieght"));
        Assert.NotEmpty(await UnknownKeyErrors("Health:Pools:web:Check:Raise"));
    }

    private static async Task<List<ConfigError>> UnknownKeyErrors(string key)
    {
        var root = new JsonObject();
        Set(root, key.Split(':'), JsonValue.Create("x"));
        var result = await ConfigLoader.LoadTextAsync(root.ToJsonString(), "readme-key", Path.GetTempPath(), ConfigValidationContext.CreateStandalone());
        return result.Errors.Where(e => e.Message.StartsWith("is not a known key", StringComparison.Ordinal) || e.Message.StartsWith("is not a known section", StringComparison.Ordinal)).ToList();
    }

    /// <summary>Full key paths from the Balancer, L4 and Health tables (placeholders filled in: pool and service web, backend b1).</summary>
    private static List<string> Keys(ReadmeDocument readme)
    {
        var keys = new List<string>();
        foreach (var (heading, prefix) in new[] { ("### `Balancer`", "Balancer:"), ("### `L4`", "L4:"), ("### `Health`", "Health:Pools:<pool>:") })
        {
            foreach (var row in ReadmeTables.Rows(readme, heading))
            {
                var spans = ReadmeTables.CodeSpans(row[0]);
                var first = spans[0];
                int cut = first.LastIndexOf(':');
                var parent = cut < 0 ? "" : first[..(cut + 1)];
                keys.Add(prefix + first);
                keys.AddRange(spans.Skip(1).Select(s => prefix + parent + s));
            }
        }
        // The Demo section is a sentence, not a table: `Backends[]: { Name, Url }`.
        var demo = ReadmeTables.CodeSpans(readme.Text[readme.Text.IndexOf("### `Demo`", StringComparison.Ordinal)..].Split("\n\n")[1])[0];
        var fields = demo[(demo.IndexOf('{', StringComparison.Ordinal) + 1)..demo.IndexOf('}', StringComparison.Ordinal)].Split(',', StringSplitOptions.TrimEntries);
        keys.AddRange(fields.Select(f => $"Demo:{demo[..demo.IndexOf(':', StringComparison.Ordinal)]}:{f}"));
        return keys.Select(k => k.Replace("<name>", "web", StringComparison.Ordinal).Replace("<pool>", "web", StringComparison.Ordinal)
            .Replace("<id>", "b1", StringComparison.Ordinal)).ToList();
    }

    private static void Set(JsonObject node, string[] segments, JsonNode value)
    {
        var segment = segments[0];
        bool array = segment.EndsWith("[]", StringComparison.Ordinal);
        var name = array ? segment[..^2] : segment;
        if (segments.Length == 1)
        {
            node[name] = array ? new JsonArray(value) : value;
            return;
        }
        var child = new JsonObject();
        node[name] = array ? new JsonArray(child) : child;
        Set(child, segments[1..], value);
    }
}
