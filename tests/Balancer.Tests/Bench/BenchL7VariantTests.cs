using LoadBalancer.Bench.Contenders;

namespace LoadBalancer.Balancer.Tests.Bench;

/// <summary>The harness's L7 contender names: which build runs (Release dll, single file, single file ReadyToRun, Native AOT) with which environment.</summary>
public sealed class BenchL7VariantTests
{
    [Theory]
    [InlineData("l7", L7Build.Dll, "")]
    [InlineData("l7+DOTNET_GCConserveMemory=5", L7Build.Dll, "DOTNET_GCConserveMemory=5")]
    [InlineData("l7-single", L7Build.SingleFile, "")]
    [InlineData("l7-single-r2r", L7Build.SingleFileReadyToRun, "")]
    [InlineData("l7-single-r2r+DOTNET_TieredPGO=1+DOTNET_gcServer=1", L7Build.SingleFileReadyToRun, "DOTNET_TieredPGO=1 DOTNET_gcServer=1")]
    [InlineData("l7-aot", L7Build.NativeAot, "")]
    [InlineData("l7-aot+DOTNET_GCgen0size=0x400000", L7Build.NativeAot, "DOTNET_GCgen0size=0x400000")]
    public void Parse_BuildAndEnvironment(string name, L7Build build, string environment)
    {
        var v = L7Variant.Parse(name);

        Assert.NotNull(v);
        Assert.Equal(build, v.Build);
        Assert.Equal(environment, string.Join(' ', v.Environment));
    }

    [Theory]
    [InlineData("l7-inline")]
    [InlineData("l7-before")]
    [InlineData("l7-single-r2rx")]
    [InlineData("l7-aotx")]
    [InlineData("l7x+A=1")]
    [InlineData("haproxy-http")]
    [InlineData("l4-nat")]
    public void Parse_OtherNames_AreNotOfThisForm(string name) => Assert.Null(L7Variant.Parse(name));

    [Theory]
    [InlineData("l7+")]
    [InlineData("l7-single+NOVALUE")]
    [InlineData("l7-single-r2r+=1")]
    public void Parse_SettingNotNameValue_SaysTheGrammar(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => L7Variant.Parse(name));

        Assert.Contains(L7Variant.Grammar, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{name}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PublishArguments_SingleFile_AreTheReadmesInstallBuild()
    {
        var args = L7Variant.PublishArguments(L7Build.SingleFile, "src/Balancer", "/tmp/w/publish-single");

        Assert.Equal("publish src/Balancer -c Release -r linux-x64 -o /tmp/w/publish-single -nologo -clp:ErrorsOnly --self-contained -p:PublishSingleFile=true", string.Join(' ', args));
    }

    [Fact]
    public void PublishArguments_ReadyToRun_AddsOnlyTheReadyToRunProperty()
    {
        var single = L7Variant.PublishArguments(L7Build.SingleFile, "p", "o");
        var r2r = L7Variant.PublishArguments(L7Build.SingleFileReadyToRun, "p", "o");

        Assert.Equal(["-p:PublishReadyToRun=true"], r2r.Except(single));
        Assert.Empty(single.Except(r2r));
        Assert.Throws<ArgumentOutOfRangeException>(() => L7Variant.PublishArguments(L7Build.Dll, "p", "o"));
    }

    [Fact]
    public void PublishArguments_NativeAot_IsOneNativeExecutableNotASingleFileBundle()
    {
        var args = L7Variant.PublishArguments(L7Build.NativeAot, "src/Balancer", "/tmp/w/publish-aot");

        Assert.Equal("publish src/Balancer -c Release -r linux-x64 -o /tmp/w/publish-aot -nologo -clp:ErrorsOnly -p:PublishAot=true", string.Join(' ', args));
        Assert.Equal("/w/publish-aot/balancer run --config c.json", string.Join(' ', L7Variant.Parse("l7-aot")!.Command("/b/balancer.dll", "/w", "c.json")));
    }

    [Fact]
    public void Command_Dll_RunsDotnetOnTheDll()
    {
        var command = L7Variant.Parse("l7")!.Command("/b/balancer.dll", "/w", "/w/l7/balancer.json");

        Assert.Equal("dotnet /b/balancer.dll run --config /w/l7/balancer.json", string.Join(' ', command));
    }

    [Fact]
    public void Command_PublishedWithEnvironment_RunsThePublishedFileUnderEnv()
    {
        var command = L7Variant.Parse("l7-single-r2r+DOTNET_TieredPGO=1")!.Command("/b/balancer.dll", "/w", "/w/c/balancer.json");

        Assert.Equal("env DOTNET_TieredPGO=1 /w/publish-single-r2r/balancer run --config /w/c/balancer.json", string.Join(' ', command));
    }
}
