using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>Finds explicit <c>null</c>s a config type cannot take, before they reach a validator as a null object.</summary>
public static partial class ConfigLoader
{
    private const string NullMessage = "must not be null (leave the key out for its default)";

    /// <summary>
    /// Adds an error for every <c>null</c> under <paramref name="node"/> where <paramref name="info"/> has no room for one:
    /// a property whose type is a non-nullable reference (its nullable annotation, as the serializer reads it), or an
    /// entry of a map or list (no config collection holds nulls). The serializer takes such a null without complaint
    /// (it only enforces annotations when asked, and never for entries), and the validators would then meet it.
    /// Returns true when there was none.
    /// </summary>
    private static bool FindNulls(JsonTypeInfo info, JsonNode? node, string path, List<ConfigError> errors)
    {
        var before = errors.Count;
        switch (node)
        {
            case JsonObject obj when info.Kind == JsonTypeInfoKind.Object:
                foreach (var (key, value) in obj)
                {
                    if (Property(info, key) is { } property)
                    {
                        Entry(property.PropertyType, value, $"{path}:{key}", nullable: property.IsSetNullable, errors);
                    }
                }
                break;
            case JsonObject obj when info.Kind == JsonTypeInfoKind.Dictionary:
                foreach (var (key, value) in obj)
                {
                    Entry(info.ElementType!, value, $"{path}:{key}", nullable: false, errors);
                }
                break;
            case JsonArray array when info.Kind == JsonTypeInfoKind.Enumerable:
                for (var i = 0; i < array.Count; i++)
                {
                    Entry(info.ElementType!, array[i], $"{path}:{i}", nullable: false, errors);
                }
                break;
        }
        return errors.Count == before;
    }

    private static void Entry(Type type, JsonNode? value, string path, bool nullable, List<ConfigError> errors)
    {
        if (value is not null)
        {
            FindNulls(SerializerOptions.GetTypeInfo(type), value, path, errors);
        }
        else if (!nullable && !type.IsValueType)
        {
            // A null for a value type fails in the serializer, which names the type expected.
            errors.Add(new ConfigError(path, null, NullMessage));
        }
    }
}
