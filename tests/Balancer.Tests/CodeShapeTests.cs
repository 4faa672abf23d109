using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LoadBalancer.Balancer.Tests;

/// <summary>
/// Size limits on src/: no file over <see cref="MaxFileLines"/> lines, no method (constructor, accessor or local function
/// included) over <see cref="MaxMethodLines"/> lines unless a comment directly above it (among its leading comments)
/// contains <see cref="LongMarker"/> and says why. Parsed with Roslyn, so lines count from the declaration's first token
/// (attributes included, doc comments not) to its closing brace.
/// </summary>
public sealed class CodeShapeTests
{
    /// <summary>Most lines in one source file.</summary>
    public const int MaxFileLines = 400;

    /// <summary>Most lines in one method.</summary>
    public const int MaxMethodLines = 80;

    /// <summary>The start of the comment that lets a method be longer, e.g. "// Over 80 lines on purpose: one per-packet method ...".</summary>
    public const string LongMarker = "Over 80 lines on purpose:";

    // No folder is exempt; a folder can be listed here (with the reason) while it is being split.
    private static readonly string[] ExemptFolders = [];

    [Fact]
    public void Src_EveryFileAndMethod_WithinTheSizeLimits()
    {
        var root = RepoRoot();
        var files = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Where(f => !ExemptFolders.Any(f.StartsWith))
            .Order(StringComparer.Ordinal)
            .ToList();

        var problems = files.SelectMany(f => Problems(f, File.ReadAllText(Path.Combine(root, f)))).ToList();

        Assert.True(files.Count > 100, $"only {files.Count} files found under {root}/src");
        Assert.True(problems.Count == 0, "over the size limits:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Problems_LongMethodWithoutAndWithTheMarker_OnlyTheUnmarkedOneIsNamed()
    {
        var body = "    {\n" + string.Concat(Enumerable.Repeat("        x++;\n", MaxMethodLines)) + "    }\n";
        var source = "class C\n{\n    void Short() { }\n\n"
            + "    void TooLong(int x)\n" + body + "\n"
            + $"    // {LongMarker} the reason.\n    void LongWithReason(int x)\n" + body + "\n"
            + "    C()\n" + body + "}\n";

        var problems = Problems("x.cs", source).ToList();

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("x.cs:5: TooLong is 83 lines", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("x.cs:174: C (constructor) is 83 lines", StringComparison.Ordinal));
    }

    [Fact]
    public void Problems_FileOverTheLimit_IsNamedWithItsLength()
    {
        var source = "class C { }\n" + new string('\n', MaxFileLines);

        Assert.Equal([$"x.cs: {MaxFileLines + 1} lines (limit {MaxFileLines})"], Problems("x.cs", source));
    }

    /// <summary>Every limit <paramref name="source"/> breaks, as "file:line: what".</summary>
    private static IEnumerable<string> Problems(string path, string source)
    {
        var lines = source.Split('\n').Length - (source.EndsWith('\n') ? 1 : 0);
        if (lines > MaxFileLines)
        {
            yield return $"{path}: {lines} lines (limit {MaxFileLines})";
        }
        var tree = CSharpSyntaxTree.ParseText(source);
        foreach (var node in tree.GetRoot().DescendantNodes().Where(n => n is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax))
        {
            var span = node.GetLocation().GetLineSpan();
            var length = span.EndLinePosition.Line - span.StartLinePosition.Line + 1;
            if (length > MaxMethodLines && !node.GetLeadingTrivia().ToFullString().Contains(LongMarker, StringComparison.Ordinal))
            {
                yield return $"{path}:{span.StartLinePosition.Line + 1}: {Name(node)} is {length} lines (limit {MaxMethodLines}; or say why in a comment above it starting '{LongMarker}')";
            }
        }
    }

    private static string Name(SyntaxNode node) => node switch
    {
        MethodDeclarationSyntax m => m.Identifier.Text,
        ConstructorDeclarationSyntax c => $"{c.Identifier.Text} (constructor)",
        LocalFunctionStatementSyntax l => $"{l.Identifier.Text} (local function)",
        AccessorDeclarationSyntax a => $"{a.Keyword.Text} accessor of {(a.Parent?.Parent as BasePropertyDeclarationSyntax) switch { PropertyDeclarationSyntax p => p.Identifier.Text, _ => "an indexer or event" }}",
        _ => node.Kind().ToString(),
    };

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LoadBalancer.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"LoadBalancer.sln not found above {AppContext.BaseDirectory}");
    }
}
