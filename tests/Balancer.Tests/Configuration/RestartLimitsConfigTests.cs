using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.Configuration;

/// <summary>The restart keys (Limits:StartupReadyTimeout, Limits:ShutdownTimeout): defaults, parsing, and errors naming key and value.</summary>
public sealed class RestartLimitsConfigTests
{
    private static Task<ConfigLoadResult> LoadAsync(System.Text.Json.Nodes.JsonObject limits)
    {
        var config = ConfigJson.Basic(["http://127.0.0.1:1/"]);
        config["Balancer"]!["Limits"] = limits;
        return ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "restart-test", Path.GetTempPath(), ConfigValidationContext.CreateStandalone());
    }

    [Fact]
    public async Task Load_NoRestartKeys_ListensAtOnceAndDrainsTenSeconds()
    {
        var result = await LoadAsync([]);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(TimeSpan.Zero, result.Config!.Balancer.Limits.StartupReadyTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), result.Config.Balancer.Limits.ShutdownTimeout);
    }

    [Fact]
    public async Task Load_Durations_AreParsed()
    {
        var result = await LoadAsync(new() { ["StartupReadyTimeout"] = "15s", ["ShutdownTimeout"] = "2m" });

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(TimeSpan.FromSeconds(15), result.Config!.Balancer.Limits.StartupReadyTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), result.Config.Balancer.Limits.ShutdownTimeout);
    }

    [Fact]
    public async Task Load_BothTooLong_ReportsBothWithKeyAndValue()
    {
        var result = await LoadAsync(new() { ["StartupReadyTimeout"] = "1h", ["ShutdownTimeout"] = "00:11:00" });

        Assert.False(result.IsValid);
        var ready = Assert.Single(result.Errors, e => e.Path == "Balancer:Limits:StartupReadyTimeout");
        var shutdown = Assert.Single(result.Errors, e => e.Path == "Balancer:Limits:ShutdownTimeout");
        Assert.Equal("01:00:00", ready.Value);
        Assert.Equal("00:11:00", shutdown.Value);
        Assert.Contains("must be from 0 to 00:10:00", ready.ToString());
    }

    [Fact]
    public async Task Load_NotADuration_NamesKeyAndValue()
    {
        var result = await LoadAsync(new() { ["ShutdownTimeout"] = "soon" });

        var error = Assert.Single(result.Errors, e => e.Path == "Balancer:Limits:ShutdownTimeout");
        Assert.Equal("soon", error.Value);
    }
}
