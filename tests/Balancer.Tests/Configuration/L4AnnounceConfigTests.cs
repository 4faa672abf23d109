using System.Text.Json.Nodes;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.Configuration;

/// <summary>The L4:Announce section and the per-service Announce switch: bound with defaults, bad values named all at once.</summary>
public sealed class L4AnnounceConfigTests
{
    private static readonly ConfigValidationContext Context = ConfigValidationContext.CreateStandalone();

    private static JsonObject Valid() => new()
    {
        ["Balancer"] = new JsonObject { ["Admin"] = new JsonObject { ["Url"] = "http://127.0.0.1:0" } },
        ["L4"] = new JsonObject
        {
            ["Interface"] = "eth0",
            ["Services"] = new JsonObject
            {
                ["web"] = new JsonObject
                {
                    ["Vip"] = "10.0.0.100", ["Port"] = 80, ["Mode"] = "dsr",
                    ["Backends"] = new JsonObject { ["b1"] = new JsonObject { ["Address"] = "10.0.0.11" } },
                },
            },
        },
    };

    [Fact]
    public async Task Load_NoAnnounceSection_OffWithTable200AndDeviceLbvip0()
    {
        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(Valid()), "t.json", ".", Context);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var announce = result.Config!.L4.Announce;
        Assert.False(announce.Enabled);
        Assert.Equal(200, announce.Table);
        Assert.Equal("lbvip0", announce.Device);
        Assert.Null(result.Config.L4.Services["web"].Announce);
    }

    [Fact]
    public async Task Load_AnnounceSectionAndServiceOverride_Bound()
    {
        var config = Valid();
        config["L4"]!["Announce"] = new JsonObject { ["Enabled"] = true, ["Table"] = 77, ["Device"] = "vips" };
        config["L4"]!["Services"]!["web"]!["Announce"] = false;

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "t.json", ".", Context);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(new L4AnnounceConfig { Enabled = true, Table = 77, Device = "vips" }, result.Config!.L4.Announce);
        Assert.False(result.Config.L4.Services["web"].Announce);
    }

    [Fact]
    public async Task Load_BadAnnounceValues_AllNamedAtOnce()
    {
        var config = Valid();
        config["L4"]!["Announce"] = new JsonObject { ["Enabled"] = true, ["Table"] = 254, ["Device"] = "a/very/long/name" };
        config["L4"]!["Services"]!["web"]!["Backends"]!["b1"]!["Weight"] = 5000;

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "t.json", ".", Context);

        Assert.False(result.IsValid);
        var messages = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Equal(3, messages.Count);
        Assert.Contains(messages, m => m.Contains("L4:Announce:Table") && m.Contains("'254'") && m.Contains("from 1 to 252"));
        Assert.Contains(messages, m => m.Contains("L4:Announce:Device") && m.Contains("'a/very/long/name'"));
        Assert.Contains(messages, m => m.Contains("L4:Services:web:Backends:b1:Weight"));
    }

    [Fact]
    public async Task Load_ServiceAnnounceNotABoolean_NamesKeyAndValue()
    {
        var config = Valid();
        config["L4"]!["Services"]!["web"]!["Announce"] = "sometimes";

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "t.json", ".", Context);

        var error = Assert.Single(result.Errors);
        Assert.Equal(("L4:Services:web:Announce", "sometimes"), (error.Path, error.Value));
    }

    [Fact]
    public async Task Load_UnknownAnnounceKey_IsAnError()
    {
        var config = Valid();
        config["L4"]!["Announce"] = new JsonObject { ["Enable"] = true };

        var result = await ConfigLoader.LoadTextAsync(ConfigJson.Text(config), "t.json", ".", Context);

        Assert.Contains(result.Errors, e => e.Path == "L4:Announce:Enable");
    }
}
