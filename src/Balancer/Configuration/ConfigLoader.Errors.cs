using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>Turns a binding failure into a <see cref="ConfigError"/> naming the key and the value as the user wrote it.</summary>
public static partial class ConfigLoader
{
    private static ConfigError Describe(JsonNode node, string path, JsonException e)
    {
        var unmapped = UnmappedPropertyRegex().Match(e.Message);
        var segments = JsonPathToSegments(e.Path);
        if (unmapped.Success)
        {
            var name = unmapped.Groups[1].Value;
            if (segments.Count == 0 || segments[^1] != name)
            {
                segments.Add(name);
            }
            return new ConfigError(Join(path, segments), null, UnknownKeyMessage);
        }
        var fullPath = Join(path, segments);
        var value = Raw(Navigate(node, segments));
        var converted = ConvertedToRegex().Match(e.Message);
        var message = converted.Success
            ? $"is not a valid {FriendlyType(converted.Groups[1].Value)}"
            : (e.InnerException?.Message ?? StripPath(e.Message));
        return new ConfigError(fullPath, value, message);
    }

    private static string StripPath(string message)
    {
        var i = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return i < 0 ? message : message[..i];
    }

    private static string FriendlyType(string clrType)
    {
        var t = clrType.Replace("System.Nullable`1[", "", StringComparison.Ordinal).TrimEnd(']');
        var dot = t.LastIndexOf('.');
        var name = dot >= 0 ? t[(dot + 1)..] : t;
        return name switch
        {
            "Int32" or "Int64" => "whole number",
            "Boolean" => "true/false value",
            "TimeSpan" => "duration",
            "String" => "string",
            _ => $"{name} value",
        };
    }

    private static List<string> JsonPathToSegments(string? jsonPath)
    {
        var segments = new List<string>();
        if (string.IsNullOrEmpty(jsonPath))
        {
            return segments;
        }
        foreach (Match m in PathSegmentRegex().Matches(jsonPath))
        {
            segments.Add(m.Groups["name"].Success ? m.Groups["name"].Value
                : m.Groups["quoted"].Success ? m.Groups["quoted"].Value
                : m.Groups["index"].Value);
        }
        return segments;
    }

    private static string Join(string path, List<string> segments) => segments.Count == 0 ? path : $"{path}:{string.Join(':', segments)}";

    private static JsonNode? Navigate(JsonNode? node, List<string> segments)
    {
        foreach (var s in segments)
        {
            node = node switch
            {
                JsonObject o => o.FirstOrDefault(p => string.Equals(p.Key, s, StringComparison.OrdinalIgnoreCase)).Value,
                JsonArray a when int.TryParse(s, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }
        return node;
    }

    /// <summary>The value as a user wrote it (strings without quotes).</summary>
    internal static string? Raw(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    [GeneratedRegex("The JSON property '([^']+)' could not be mapped")]
    private static partial Regex UnmappedPropertyRegex();

    [GeneratedRegex("could not be converted to ([^ .]+(?:\\.[^ .]+)*(?:\\[[^\\]]+\\])?)")]
    private static partial Regex ConvertedToRegex();

    [GeneratedRegex(@"\.(?<name>[A-Za-z0-9_$-]+)|\['(?<quoted>[^']+)'\]|\[(?<index>\d+)\]")]
    private static partial Regex PathSegmentRegex();
}
