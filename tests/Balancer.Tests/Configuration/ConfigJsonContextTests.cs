using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using LoadBalancer.Balancer.Configuration;

namespace LoadBalancer.Balancer.Tests.Configuration;

/// <summary>
/// The config binder reads through compile-time JSON metadata (<see cref="ConfigJsonContext"/>), which loses the default of
/// an init-only property whose key is missing (dotnet/runtime#84484). Every object type the binder can meet must read
/// <c>{}</c> into exactly what its parameterless constructor makes.
/// </summary>
public sealed class ConfigJsonContextTests
{
    /// <summary>Every object type in the context that has a parameterless constructor (the records the binder creates).</summary>
    public static TheoryData<string> ObjectTypes()
    {
        var data = new TheoryData<string>();
        foreach (var type in Types().Where(t => t.GetConstructor(Type.EmptyTypes) is not null).Select(t => t.FullName!).Order(StringComparer.Ordinal))
        {
            data.Add(type);
        }
        return data;
    }

    private static IEnumerable<Type> Types() =>
        typeof(ConfigJsonContext).GetProperties()
            .Where(p => typeof(JsonTypeInfo).IsAssignableFrom(p.PropertyType) && p.GetIndexParameters().Length == 0 && p.DeclaringType == typeof(ConfigJsonContext))
            .Select(p => ((JsonTypeInfo)p.GetValue(ConfigJsonContext.Default)!).Type)
            .Where(t => ConfigJsonContext.Default.GetTypeInfo(t)!.Kind == JsonTypeInfoKind.Object);

    [Theory]
    [MemberData(nameof(ObjectTypes))]
    public void EmptyObject_ReadsAsTheConstructorsDefaults(string typeName)
    {
        var type = Types().Single(t => t.FullName == typeName);
        var info = ConfigLoader.SerializerOptions.GetTypeInfo(type);

        var fresh = Activator.CreateInstance(type);
        var read = JsonNode.Parse("{}").Deserialize(info);

        Assert.Equal(JsonSerializer.Serialize(fresh, info), JsonSerializer.Serialize(read, info));
    }

    [Fact]
    public void Context_CoversTheNestedConfigRecords()
    {
        var names = Types().Select(t => t.Name).ToHashSet();

        // The roots the binder asks for, and records only reachable through them (a lost default there is as bad).
        Assert.Superset(new HashSet<string> { "ListenerConfig", "CertificateConfig", "L4Config", "L4ServiceConfig", "L4BackendConfig", "L4IoConfig", "L4AnnounceConfig", "HealthCheckOptions", "ClusterConfig" }, names);
    }
}
