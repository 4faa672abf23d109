using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>Reads durations as "00:00:30" (TimeSpan) or the short forms "500ms", "30s", "2m", "1h".</summary>
internal sealed class FlexibleTimeSpanConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("expected a duration such as \"00:00:30\" or \"30s\"");
        }
        var text = reader.GetString()!;
        if (TryParse(text, out var value))
        {
            return value;
        }
        throw new JsonException($"is not a duration (use \"00:00:30\" or \"500ms\", \"30s\", \"2m\", \"1h\")");
    }

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString("c", CultureInfo.InvariantCulture));

    /// <summary>Parses a duration in either accepted form.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        text = text.Trim();
        (string Suffix, double Scale)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)];
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && !(suffix == "s" && text.EndsWith("ms", StringComparison.OrdinalIgnoreCase))
                && double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                // "1e309s" or "NaNs" parse as doubles but TimeSpan throws on them (found by fuzzing): not a duration.
                var ms = n * scale;
                if (!double.IsFinite(ms) || Math.Abs(ms) >= TimeSpan.MaxValue.TotalMilliseconds)
                {
                    value = default;
                    return false;
                }
                value = TimeSpan.FromMilliseconds(ms);
                return true;
            }
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }
}

/// <summary>Reads HTTP versions as YARP's config does: "1", "1.1", "2", "2.0", "3".</summary>
internal sealed class LenientVersionConverter : JsonConverter<Version>
{
    public override Version Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString()!,
            JsonTokenType.Number => reader.GetDouble().ToString(CultureInfo.InvariantCulture),
            _ => throw new JsonException("expected an HTTP version such as \"1.1\" or \"2\""),
        };
        if (!text.Contains('.'))
        {
            text += ".0";
        }
        return Version.TryParse(text, out var v) ? v : throw new JsonException("is not an HTTP version (\"1.1\", \"2\", \"3\")");
    }

    public override void Write(Utf8JsonWriter writer, Version value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
