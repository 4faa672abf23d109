namespace LoadBalancer.Health.Tests;

public sealed class HealthCheckOptionsTests
{
    [Fact]
    public void Validate_Defaults_NoErrors()
    {
        Assert.Empty(new HealthCheckOptions().Validate("Health"));
    }

    [Fact]
    public void Validate_ZeroInterval_NamesKeyAndValue()
    {
        var errors = new HealthCheckOptions { Interval = TimeSpan.Zero }.Validate("Health").ToList();

        Assert.Equal(["Health:Interval: '0s' must be > 0"], errors);
    }

    [Fact]
    public void Validate_ManyProblems_ReportsAllAtOnce()
    {
        var options = new HealthCheckOptions
        {
            Probe = "icmp",
            Interval = TimeSpan.FromMilliseconds(-500),
            Timeout = TimeSpan.Zero,
            FastInterval = TimeSpan.Zero,
            Rise = 0,
            Fall = -1,
            Jitter = 0.9,
            Port = 70000,
            Path = "health",
            ExpectedStatus = "399-200",
            HttpVersion = "3",
            BodyContains = string.Empty,
        };

        var errors = options.Validate("Pools:web:Health").ToList();

        Assert.Equal(12, errors.Count);
        Assert.Contains("Pools:web:Health:Interval: '-500ms' must be > 0", errors);
        Assert.Contains("Pools:web:Health:Rise: '0' must be >= 1", errors);
        Assert.Contains("Pools:web:Health:Port: '70000' must be 1-65535", errors);
        Assert.Contains(errors, e => e.StartsWith("Pools:web:Health:Probe: 'icmp' is not a probe", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Pools:web:Health:ExpectedStatus: '399-200'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("datapath")]
    [InlineData("HTTPS")]
    public void Validate_KnownProbeNames_Accepted(string probe)
    {
        Assert.Empty(new HealthCheckOptions { Probe = probe }.Validate("Health"));
    }

    [Theory]
    [InlineData("200-399", 200, 399)]
    [InlineData("204", 204, 204)]
    [InlineData(" 200 - 299 ", 200, 299)]
    public void StatusCodeRange_TryParse_Valid(string text, int min, int max)
    {
        Assert.True(LoadBalancer.Health.Probes.StatusCodeRange.TryParse(text, out var range));
        Assert.Equal(new LoadBalancer.Health.Probes.StatusCodeRange(min, max), range);
    }

    [Theory]
    [InlineData("")]
    [InlineData("99")]
    [InlineData("200-600")]
    [InlineData("abc")]
    [InlineData("300-200")]
    public void StatusCodeRange_TryParse_Invalid(string text)
    {
        Assert.False(LoadBalancer.Health.Probes.StatusCodeRange.TryParse(text, out _));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(1500, "1500ms")]
    [InlineData(2000, "2s")]
    [InlineData(120000, "2m")]
    public void DurationText_Format_UsesLargestWholeUnit(int ms, string expected)
    {
        Assert.Equal(expected, DurationText.Format(TimeSpan.FromMilliseconds(ms)));
    }
}
