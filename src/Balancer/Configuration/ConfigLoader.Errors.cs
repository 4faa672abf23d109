using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>Turns a binding failure into a <see cref="ConfigError"/> naming the key and the value as the user wrote it.</summary>
public static partial class ConfigLoader
{
    // Everything below reads the failing key from JsonException.Path and the expected type from the serializer's type
    // metadata, never from the exception's wording, so a runtime upgrade that rewords a message changes no error.
    private static ConfigError Describe(Type root, JsonNode node, string path, JsonException e)
    {
        var segments = JsonPathToSegments(e.Path);
        if (FindUnknownKey(root, node, segments) is { } unknown)
        {
            return new ConfigError(Join(path, unknown), null, UnknownKeyMessage);
        }
        var fullPath = Join(path, segments);
        var value = Raw(Navigate(node, segments));
        var target = TargetType(root, segments);
        // Our own converters throw with a message written for the user; the built-in ones do not, so the type speaks.
        var message = target is not null && !HasOwnConverter(target)
            ? $"is not a valid {FriendlyType(target)}"
            : (e.InnerException?.Message ?? StripPath(e.Message));
        return new ConfigError(fullPath, value, message);
    }

    /// <summary>The path of the first key on <paramref name="segments"/> (or inside the object it ends at) that the type does not have.</summary>
    private static List<string>? FindUnknownKey(Type root, JsonNode? node, List<string> segments)
    {
        var info = SerializerOptions.GetTypeInfo(root);
        for (var i = 0; i < segments.Count; i++)
        {
            if (info.Kind == JsonTypeInfoKind.Object && Property(info, segments[i]) is null)
            {
                return segments[..(i + 1)];
            }
            info = Next(info, segments[i]);
            node = Navigate(node, [segments[i]]);
            if (info is null)
            {
                return null;
            }
        }
        if (info.Kind == JsonTypeInfoKind.Object && node is JsonObject obj
            && obj.FirstOrDefault(p => Property(info, p.Key) is null) is { Key: { } key })
        {
            return [.. segments, key];
        }
        return null;
    }

    private static Type? TargetType(Type root, List<string> segments)
    {
        JsonTypeInfo? info = SerializerOptions.GetTypeInfo(root);
        foreach (var segment in segments)
        {
            info = info is null ? null : Next(info, segment);
        }
        return info?.Type;
    }

    private static JsonTypeInfo? Next(JsonTypeInfo info, string segment) => info.Kind switch
    {
        JsonTypeInfoKind.Object => Property(info, segment) is { } property ? SerializerOptions.GetTypeInfo(property.PropertyType) : null,
        JsonTypeInfoKind.Dictionary or JsonTypeInfoKind.Enumerable => SerializerOptions.GetTypeInfo(info.ElementType!),
        _ => null,
    };

    private static JsonPropertyInfo? Property(JsonTypeInfo info, string name) =>
        info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    private static bool HasOwnConverter(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return SerializerOptions.Converters.Any(c => c is not JsonStringEnumConverter && c.CanConvert(t));
    }

    private static string StripPath(string message)
    {
        var i = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return i < 0 ? message : message[..i];
    }

    private static string FriendlyType(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(int) || t == typeof(long) ? "whole number"
            : t == typeof(bool) ? "true/false value"
            : t == typeof(TimeSpan) ? "duration"
            : t == typeof(string) ? "string"
            : $"{t.Name} value";
    }

    /// <summary>Splits a JsonException.Path ($.a.b[0]['odd key']) into its keys and indexes.</summary>
    private static List<string> JsonPathToSegments(string? jsonPath)
    {
        var segments = new List<string>();
        var p = jsonPath ?? "";
        var i = p.StartsWith('$') ? 1 : 0;
        while (i < p.Length)
        {
            if (p[i] == '.')
            {
                var end = p.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? p.Length : end;
                segments.Add(p[(i + 1)..end]);
                i = end;
            }
            else if (p[i] == '[' && i + 1 < p.Length && p[i + 1] == '\'' && p.IndexOf("']", i + 2, StringComparison.Ordinal) is var close and >= 0)
            {
                segments.Add(p[(i + 2)..close]);
                i = close + 2;
            }
            else if (p[i] == '[' && p.IndexOf(']', i + 1) is var bracket and >= 0)
            {
                segments.Add(p[(i + 1)..bracket]);
                i = bracket + 1;
            }
            else
            {
                break;
            }
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
}
