namespace LoadBalancer.Bench.Contenders;

/// <summary>Which build of the balancer an L7 contender runs.</summary>
public enum L7Build
{
    /// <summary><c>dotnet balancer.dll</c> of the Release build (the harness's <c>--balancer</c>).</summary>
    Dll,

    /// <summary>The README's install build: <c>dotnet publish -r linux-x64 --self-contained -p:PublishSingleFile=true</c>.</summary>
    SingleFile,

    /// <summary>The same with <c>-p:PublishReadyToRun=true</c>: the balancer's own and its NuGet assemblies precompiled (the shared framework already is).</summary>
    SingleFileReadyToRun,

    /// <summary>Native AOT: <c>dotnet publish -r linux-x64 -p:PublishAot=true</c> (one native executable, no JIT at run time).</summary>
    NativeAot,
}

/// <summary>
/// The build and runtime settings an L7 contender's name asks for: <c>l7[-single|-single-r2r|-aot][+NAME=VALUE...]</c>, e.g.
/// <c>l7+DOTNET_GCConserveMemory=5</c> (the Release build with that variable) or <c>l7-single-r2r+DOTNET_TieredPGO=1</c>
/// (the ReadyToRun single-file build with tiered PGO on). The fixed variants (<c>l7-inline</c>, <c>l7-before</c>, ...) are
/// not of this form.
/// </summary>
/// <param name="Build">Which build runs.</param>
/// <param name="Environment">NAME=VALUE settings put in the balancer's environment.</param>
public sealed record L7Variant(L7Build Build, IReadOnlyList<string> Environment)
{
    /// <summary>The grammar, for messages.</summary>
    public const string Grammar = "l7[-single|-single-r2r|-aot][+NAME=VALUE...]";

    /// <summary>Parses a name of this form; null for any other name; throws when the form is right but a setting is not NAME=VALUE.</summary>
    public static L7Variant? Parse(string name)
    {
        int plus = name.IndexOf('+', StringComparison.Ordinal);
        L7Build? parsed = (plus < 0 ? name : name[..plus]) switch
        {
            "l7" => L7Build.Dll,
            "l7-single" => L7Build.SingleFile,
            "l7-single-r2r" => L7Build.SingleFileReadyToRun,
            "l7-aot" => L7Build.NativeAot,
            _ => null,
        };
        if (parsed is not { } build)
        {
            return null;
        }

        if (plus < 0)
        {
            return new L7Variant(build, []);
        }

        string[] settings = name[(plus + 1)..].Split('+', StringSplitOptions.RemoveEmptyEntries);
        if (settings.Length == 0 || settings.Any(s => s.IndexOf('=', StringComparison.Ordinal) <= 0))
        {
            throw new ArgumentException($"contender '{name}': expected {Grammar}");
        }

        return new L7Variant(build, settings);
    }

    /// <summary>The directory name of a published build inside the harness's work directory.</summary>
    public static string PublishDirectory(L7Build build) => build switch
    {
        L7Build.SingleFile => "publish-single",
        L7Build.SingleFileReadyToRun => "publish-single-r2r",
        L7Build.NativeAot => "publish-aot",
        _ => throw new ArgumentOutOfRangeException(nameof(build), build, "the Dll build is not published"),
    };

    /// <summary>The <c>dotnet</c> arguments that publish <paramref name="build"/> of <paramref name="project"/> into <paramref name="outDir"/>.</summary>
    public static IReadOnlyList<string> PublishArguments(L7Build build, string project, string outDir)
    {
        _ = PublishDirectory(build); // refuses the Dll build
        List<string> args = ["publish", project, "-c", "Release", "-r", "linux-x64", "-o", outDir, "-nologo", "-clp:ErrorsOnly"];
        args.AddRange(build switch
        {
            L7Build.NativeAot => ["-p:PublishAot=true"],
            L7Build.SingleFileReadyToRun => ["--self-contained", "-p:PublishSingleFile=true", "-p:PublishReadyToRun=true"],
            _ => ["--self-contained", "-p:PublishSingleFile=true"],
        });
        return args;
    }

    /// <summary>The command line that runs the balancer with <paramref name="config"/>: the environment, then dotnet and the dll or the published file.</summary>
    public IReadOnlyList<string> Command(string balancerDll, string workDir, string config)
    {
        List<string> run = Build == L7Build.Dll
            ? ["dotnet", balancerDll]
            : [Path.Combine(workDir, PublishDirectory(Build), "balancer")];
        run.AddRange(["run", "--config", config]);
        return Environment.Count > 0 ? ["env", .. Environment, .. run] : run;
    }
}
