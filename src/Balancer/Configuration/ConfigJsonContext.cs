using System.Text.Json.Serialization;
using Yarp.ReverseProxy.Configuration;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>
/// Compile-time JSON metadata for every type the config binder reads (<see cref="ConfigLoader"/>). The binder's options
/// (case-insensitive names, unknown keys refused, the duration and version converters) are applied on top at run time.
/// Generated rather than reflected, so that a Native AOT build reads configs exactly as the JIT build does, and the first
/// load does not pay for building the metadata by reflection.
/// </summary>
/// <remarks>
/// Generated metadata sets every init-only property when it builds an object, so a key missing from the file would
/// replace the property's default with null or 0 (dotnet/runtime#84484). The config records' properties that have a
/// default are therefore <c>set</c>, not <c>init</c>; <c>ConfigJsonContextTests</c> reads <c>{}</c> into every type here
/// and fails on any default that is lost.
/// </remarks>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(HealthPoolConfig))]
[JsonSerializable(typeof(L4Config))]
[JsonSerializable(typeof(ListenerConfig))]
[JsonSerializable(typeof(AdminConfig))]
[JsonSerializable(typeof(LimitsConfig))]
[JsonSerializable(typeof(TuningConfig))]
[JsonSerializable(typeof(RouteConfig))]
[JsonSerializable(typeof(DestinationConfig))]
[JsonSerializable(typeof(ClusterConfig))]
[JsonSerializable(typeof(DemoBackendConfig))]
[JsonSerializable(typeof(AccessLogConfig))]
[JsonSerializable(typeof(RateLimitPolicyConfig))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext;
