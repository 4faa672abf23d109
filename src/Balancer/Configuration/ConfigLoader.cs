using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Yarp.ReverseProxy.Configuration;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>The outcome of loading a config: the config when it is valid, otherwise every problem found.</summary>
public sealed record ConfigLoadResult(BalancerConfig? Config, IReadOnlyList<ConfigError> Errors)
{
    /// <summary>True when the config is valid and may be applied.</summary>
    public bool IsValid => Config is not null && Errors.Count == 0;

    /// <summary>True when the file could not be read or is not a JSON object at all: what a read of an empty or half-written file gives.</summary>
    public bool Unparsable { get; init; }
}

/// <summary>Reads a balancer config file (JSON, comments allowed), binds every part separately so that all problems are reported at once, then validates it.</summary>
public static partial class ConfigLoader
{
    /// <summary>Top-level sections the balancer knows; anything else is reported as a likely typo.</summary>
    public static readonly IReadOnlySet<string> KnownSections =
        new HashSet<string>(["Balancer", "ReverseProxy", "Demo", "L4", "Health", "Logging", "$schema"], StringComparer.OrdinalIgnoreCase);

    internal static readonly JsonSerializerOptions SerializerOptions = CreateOptions(JsonUnmappedMemberHandling.Disallow);

    // After an unknown key is reported, the rest is bound leniently so that its other problems are reported too.
    private static readonly JsonSerializerOptions LenientOptions = CreateOptions(JsonUnmappedMemberHandling.Skip);

    private static JsonSerializerOptions CreateOptions(JsonUnmappedMemberHandling unmapped)
    {
        var o = new JsonSerializerOptions
        {
            PropertyNameCaseInsensitive = true,
            UnmappedMemberHandling = unmapped,
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            TypeInfoResolver = ConfigJsonContext.Default, // enums as names: the context's UseStringEnumConverter
        };
        o.Converters.Add(new FlexibleTimeSpanConverter());
        o.Converters.Add(new LenientVersionConverter());
        return o;
    }

    private const string UnknownKeyMessage = "is not a known key";

    /// <summary>Loads and validates a config file.</summary>
    public static async Task<ConfigLoadResult> LoadFileAsync(string path, ConfigValidationContext context, CancellationToken ct = default)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ConfigLoadResult(null, [new ConfigError(path, null, $"cannot be read: {e.Message}")]) { Unparsable = true };
        }
        var fullPath = Path.GetFullPath(path);
        return await LoadTextAsync(text, fullPath, Path.GetDirectoryName(fullPath)!, context);
    }

    /// <summary>Loads and validates config text; relative file paths in it are resolved against <paramref name="baseDirectory"/>.</summary>
    public static async Task<ConfigLoadResult> LoadTextAsync(string json, string source, string baseDirectory, ConfigValidationContext context)
    {
        var errors = new List<ConfigError>();
        JsonObject root;
        try
        {
            // Duplicate keys are a parse error: JsonObject would otherwise throw ArgumentException on first use (found by fuzzing).
            var node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false });
            if (node is not JsonObject obj)
            {
                return new ConfigLoadResult(null, [new ConfigError(source, null, "must be a JSON object")]) { Unparsable = true };
            }
            root = obj;
        }
        catch (JsonException e)
        {
            return new ConfigLoadResult(null, [new ConfigError(source, null, $"is not valid JSON: {e.Message}")]) { Unparsable = true };
        }

        foreach (var (key, _) in root)
        {
            if (!KnownSections.Contains(key))
            {
                errors.Add(new ConfigError(key, null, $"is not a known section (known: {string.Join(", ", KnownSections.Where(s => s != "$schema"))})"));
            }
        }

        var balancer = BindBalancer(Child(root, "Balancer"), baseDirectory, errors);
        var routes = BindRoutes(Child(Child(root, "ReverseProxy"), "Routes"), errors);
        var clusters = BindClusters(Child(Child(root, "ReverseProxy"), "Clusters"), errors);
        var demo = BindDemo(Child(root, "Demo"), errors);
        var health = new Dictionary<string, HealthPoolConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var (pool, value) in Entries(Child(Child(root, "Health"), "Pools"), "Health:Pools", errors))
        {
            if (Bind<HealthPoolConfig>(value, $"Health:Pools:{pool}", errors) is { } h)
            {
                health[pool] = h;
            }
        }
        if (Child(root, "Health") is JsonObject healthSection)
        {
            foreach (var (key, _) in healthSection)
            {
                if (!string.Equals(key, "Pools", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add(new ConfigError($"Health:{key}", null, "is not a known key (known: Pools)"));
                }
            }
        }

        var l4Node = Child(root, "L4");
        var l4 = l4Node is null ? new L4Config() : Bind<L4Config>(l4Node, "L4", errors) ?? new L4Config();
        var config = new BalancerConfig
        {
            L4 = l4,
            Source = source,
            Balancer = balancer,
            Routes = routes,
            Clusters = clusters,
            DemoBackends = demo,
            HealthPools = health,
        };
        var declaredClusters = Entries(Child(Child(root, "ReverseProxy"), "Clusters"), "ReverseProxy:Clusters", []).Select(e => e.Key);
        var l4Settings = await ConfigValidator.ValidateAsync(config, context, declaredClusters, errors);
        return errors.Count == 0 ? new ConfigLoadResult(config with { L4Settings = l4Settings }, errors) : new ConfigLoadResult(null, errors);
    }

    private static JsonNode? Child(JsonNode? node, string name)
    {
        if (node is not JsonObject obj)
        {
            return null;
        }
        foreach (var (key, value) in obj)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }
        return null;
    }

    private static BalancerOptions BindBalancer(JsonNode? node, string baseDirectory, List<ConfigError> errors)
    {
        const string path = "Balancer";
        if (node is null)
        {
            return new BalancerOptions();
        }
        if (node is not JsonObject obj)
        {
            errors.Add(new ConfigError(path, Raw(node), "must be an object"));
            return new BalancerOptions();
        }
        var result = new BalancerOptions();
        foreach (var (key, value) in obj)
        {
            switch (key.ToLowerInvariant())
            {
                case "listeners":
                    if (value is JsonArray arr)
                    {
                        var list = new List<ListenerConfig>();
                        for (var i = 0; i < arr.Count; i++)
                        {
                            var l = Bind<ListenerConfig>(arr[i], $"{path}:Listeners:{i}", errors);
                            if (l is not null)
                            {
                                list.Add(l.Certificate is null ? l : l with { Certificate = ResolvePaths(l.Certificate, baseDirectory) });
                            }
                        }
                        result = result with { Listeners = list };
                    }
                    else
                    {
                        errors.Add(new ConfigError($"{path}:Listeners", Raw(value), "must be an array of listeners"));
                    }
                    break;
                case "admin":
                    result = result with { Admin = Bind<AdminConfig>(value, $"{path}:Admin", errors) ?? new AdminConfig() };
                    break;
                case "limits":
                    result = result with { Limits = Bind<LimitsConfig>(value, $"{path}:Limits", errors) ?? new LimitsConfig() };
                    break;
                case "tuning":
                    result = result with { Tuning = Bind<TuningConfig>(value, $"{path}:Tuning", errors) ?? new TuningConfig() };
                    break;
                case "accesslog" or "ratelimiting" or "trustedproxies":
                    result = BindOperations(result, key, value, baseDirectory, errors);
                    break;
                default:
                    errors.Add(new ConfigError($"{path}:{key}", null, "is not a known key (known: Listeners, Admin, Limits, Tuning, AccessLog, RateLimiting, TrustedProxies)"));
                    break;
            }
        }
        return result;
    }

    private static CertificateConfig ResolvePaths(CertificateConfig c, string baseDirectory) => c with
    {
        Path = c.Path.Length == 0 ? c.Path : System.IO.Path.GetFullPath(c.Path, baseDirectory),
        KeyPath = string.IsNullOrEmpty(c.KeyPath) ? c.KeyPath : System.IO.Path.GetFullPath(c.KeyPath, baseDirectory),
    };

    private static List<RouteConfig> BindRoutes(JsonNode? node, List<ConfigError> errors)
    {
        var routes = new List<RouteConfig>();
        foreach (var (id, value) in Entries(node, "ReverseProxy:Routes", errors))
        {
            var route = Bind<RouteConfig>(value, $"ReverseProxy:Routes:{id}", errors);
            if (route is not null)
            {
                routes.Add(route with { RouteId = id });
            }
        }
        return routes;
    }

    private static List<ClusterConfig> BindClusters(JsonNode? node, List<ConfigError> errors)
    {
        var clusters = new List<ClusterConfig>();
        foreach (var (id, value) in Entries(node, "ReverseProxy:Clusters", errors))
        {
            var path = $"ReverseProxy:Clusters:{id}";
            if (value is not JsonObject obj)
            {
                errors.Add(new ConfigError(path, Raw(value), "must be an object"));
                continue;
            }
            // Destinations are bound one by one so that one bad destination does not hide the others' problems.
            var copy = (JsonObject)obj.DeepClone();
            JsonNode? destinationsNode = null;
            foreach (var key in copy.Select(p => p.Key).ToList())
            {
                if (string.Equals(key, "Destinations", StringComparison.OrdinalIgnoreCase))
                {
                    destinationsNode = copy[key];
                    copy.Remove(key);
                }
            }
            var destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase);
            foreach (var (destId, destValue) in Entries(destinationsNode, $"{path}:Destinations", errors))
            {
                var d = Bind<DestinationConfig>(destValue, $"{path}:Destinations:{destId}", errors);
                if (d is not null)
                {
                    destinations[destId] = d;
                }
            }
            var cluster = Bind<ClusterConfig>(copy, path, errors);
            if (cluster is not null)
            {
                clusters.Add(cluster with { ClusterId = id, Destinations = destinations });
            }
        }
        return clusters;
    }

    private static List<DemoBackendConfig> BindDemo(JsonNode? node, List<ConfigError> errors)
    {
        var result = new List<DemoBackendConfig>();
        if (node is null)
        {
            return result;
        }
        var backends = Child(node, "Backends");
        if (node is not JsonObject || backends is not JsonArray arr)
        {
            errors.Add(new ConfigError("Demo", Raw(node), "must be an object with a Backends array"));
            return result;
        }
        for (var i = 0; i < arr.Count; i++)
        {
            var b = Bind<DemoBackendConfig>(arr[i], $"Demo:Backends:{i}", errors);
            if (b is not null)
            {
                result.Add(b);
            }
        }
        return result;
    }

    private static IEnumerable<(string Key, JsonNode? Value)> Entries(JsonNode? node, string path, List<ConfigError> errors)
    {
        if (node is null)
        {
            yield break;
        }
        if (node is not JsonObject obj)
        {
            errors.Add(new ConfigError(path, Raw(node), "must be an object keyed by id"));
            yield break;
        }
        foreach (var (key, value) in obj)
        {
            yield return (key, value);
        }
    }

    /// <summary>Binds one JSON node to a record; a failure becomes a <see cref="ConfigError"/> that names the exact key and value.</summary>
    internal static T? Bind<T>(JsonNode? node, string path, List<ConfigError> errors) where T : class
    {
        if (node is null)
        {
            errors.Add(new ConfigError(path, null, "must not be null"));
            return null;
        }
        // A null it cannot take is reported, and the rest still bound so that its other problems are reported too.
        var noNulls = FindNulls(SerializerOptions.GetTypeInfo(typeof(T)), node, path, errors);
        var bound = Deserialize<T>(node, path, errors);
        return noNulls ? bound : null;
    }

    private static T? Deserialize<T>(JsonNode node, string path, List<ConfigError> errors) where T : class
    {
        try
        {
            return node.Deserialize((JsonTypeInfo<T>)SerializerOptions.GetTypeInfo(typeof(T)));
        }
        catch (JsonException e)
        {
            var error = Describe(typeof(T), node, path, e);
            errors.Add(error);
            if (error.Message != UnknownKeyMessage)
            {
                return null;
            }
            try
            {
                return node.Deserialize((JsonTypeInfo<T>)LenientOptions.GetTypeInfo(typeof(T)));
            }
            catch (JsonException e2)
            {
                errors.Add(Describe(typeof(T), node, path, e2));
                return null;
            }
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or FormatException or ArgumentException)
        {
            errors.Add(new ConfigError(path, null, $"cannot be read: {e.Message}"));
            return null;
        }
    }
}
