using LoadBalancer.Balancer.Configuration;

namespace LoadBalancer.Balancer.Tests.Configuration;

/// <summary>
/// An explicit <c>null</c> where the config has no room for one is an error on its key, not a null object handed to a
/// validator (the config fuzz target found <c>"Services": {"b": null}</c> throwing NullReferenceException).
/// </summary>
public sealed class ConfigNullTests
{
    private static readonly ConfigValidationContext Context = ConfigValidationContext.CreateStandalone();

    private const string Service = "\"Vip\": \"10.0.0.100\", \"Port\": 80, \"Mode\": \"nat\", \"Protocol\": \"tcp\"";
    private const string Backend = "\"Address\": \"10.0.0.1\", \"Weight\": 1";

    private static Task<ConfigLoadResult> LoadAsync(string json) => ConfigLoader.LoadTextAsync(json, "test.json", Path.GetTempPath(), Context);

    private static string L4(string inner) => $"{{\"L4\": {{\"Interface\": \"eth0\", {inner}}}}}";

    private static string OneService(string extra, string backends) => L4($"\"Services\": {{\"a\": {{{Service}{extra}, \"Backends\": {backends}}}}}");

    public static TheoryData<string, string> NullsWithNoRoom() => new()
    {
        { L4("\"Services\": {\"b\": null}"), "L4:Services:b" },
        { L4("\"Services\": null"), "L4:Services" },
        { OneService("", "null"), "L4:Services:a:Backends" },
        { OneService("", "{\"x\": null}"), "L4:Services:a:Backends:x" },
        { OneService("", $"{{\"x\": {{{Backend}}}}}").Replace("\"Interface\": \"eth0\",", "\"Interface\": \"eth0\", \"ConnectionTable\": null,", StringComparison.Ordinal), "L4:ConnectionTable" },
        { OneService("", $"{{\"x\": {{{Backend}}}}}").Replace("\"Interface\": \"eth0\",", "\"Interface\": \"eth0\", \"Announce\": null,", StringComparison.Ordinal), "L4:Announce" },
        { OneService("", $"{{\"x\": {{{Backend}}}}}").Replace("\"Interface\": \"eth0\",", "\"Interface\": \"eth0\", \"Io\": null,", StringComparison.Ordinal), "L4:Io" },
        { OneService(", \"Mode\": null", $"{{\"x\": {{{Backend}}}}}").Replace("\"Mode\": \"nat\", ", "", StringComparison.Ordinal), "L4:Services:a:Mode" },
        { "{\"Health\": {\"Pools\": {\"p\": {\"Check\": {\"Probe\": null}}}}}", "Health:Pools:p:Check:Probe" },
        { "{\"ReverseProxy\": {\"Routes\": {\"r\": null}}}", "ReverseProxy:Routes:r" },
        { "{\"Balancer\": {\"Listeners\": [null]}}", "Balancer:Listeners:0" },
        { "{\"Balancer\": {\"TrustedProxies\": [\"10.0.0.1\", null]}}", "Balancer:TrustedProxies:1" },
    };

    [Theory]
    [MemberData(nameof(NullsWithNoRoom), DisableDiscoveryEnumeration = true)]
    public async Task Load_NullWhereTheConfigHasNoRoom_IsAnErrorOnThatKey(string json, string path)
    {
        var result = await LoadAsync(json);

        Assert.Null(result.Config);
        var error = Assert.Single(result.Errors, e => e.Path == path);
        Assert.Contains("must not be null", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_NullAndAnotherProblem_ReportsBoth()
    {
        var result = await LoadAsync(L4($"\"Workers\": \"many\", \"Services\": {{\"b\": null}}"));

        Assert.Null(result.Config);
        Assert.Contains(result.Errors, e => e.Path == "L4:Services:b");
        Assert.Contains(result.Errors, e => e.Path == "L4:Workers" && e.Value == "many");
    }

    [Fact]
    public async Task Load_NullWhereTheKeyIsOptional_IsItsDefault()
    {
        // Interface, SourceAddress and Workers are nullable: null means "not set", as leaving the key out does.
        var result = await LoadAsync(OneService("", $"{{\"x\": {{{Backend}}}}}")
            .Replace("\"Interface\": \"eth0\",", "\"Interface\": \"eth0\", \"SourceAddress\": null, \"Workers\": null,", StringComparison.Ordinal));

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Null(result.Config!.L4.SourceAddress);
    }
}
