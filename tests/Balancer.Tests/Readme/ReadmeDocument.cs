namespace LoadBalancer.Balancer.Tests.Readme;

/// <summary>One fenced block of README.md.</summary>
/// <param name="Language">First word of the fence's info string (<c>sh</c>, <c>text</c>...), empty when none.</param>
/// <param name="Tag">Second word of the info string: the block's id for the tests, or <c>no-test</c>.</param>
/// <param name="Text">The block's lines, joined with '\n', with a final newline.</param>
/// <param name="Line">1-based line of the opening fence.</param>
/// <param name="Index">Position among all fenced blocks of the file.</param>
public sealed record ReadmeBlock(string Language, string Tag, string Text, int Line, int Index);

/// <summary>README.md of the repository this test binary was built from, parsed at test time.</summary>
public sealed class ReadmeDocument
{
    /// <summary>The fence tag of a shell block the tests deliberately do not run.</summary>
    public const string NoTest = "no-test";

    private ReadmeDocument(string text, IReadOnlyList<ReadmeBlock> blocks)
    {
        Text = text;
        Blocks = blocks;
    }

    /// <summary>The repository root (the directory holding README.md and LoadBalancer.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The whole file.</summary>
    public string Text { get; }

    /// <summary>Every fenced block, in order.</summary>
    public IReadOnlyList<ReadmeBlock> Blocks { get; }

    /// <summary>Every <c>sh</c> block.</summary>
    public IEnumerable<ReadmeBlock> ShellBlocks => Blocks.Where(b => b.Language == "sh");

    /// <summary>Reads and parses README.md now.</summary>
    public static ReadmeDocument Load() => Parse(File.ReadAllText(Path.Combine(RepoRoot, "README.md")));

    /// <summary>Splits markdown into its fenced blocks (fences are lines starting with three backticks).</summary>
    public static ReadmeDocument Parse(string markdown)
    {
        var blocks = new List<ReadmeBlock>();
        var lines = markdown.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }
            var info = lines[i][3..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int start = i;
            var body = new List<string>();
            for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++)
            {
                body.Add(lines[i].TrimEnd('\r'));
            }
            blocks.Add(new ReadmeBlock(info.ElementAtOrDefault(0) ?? "", info.ElementAtOrDefault(1) ?? "", string.Join('\n', body) + "\n", start + 1, blocks.Count));
        }
        return new ReadmeDocument(markdown, blocks);
    }

    /// <summary>The <c>sh</c> block with this tag; fails the test when there is not exactly one.</summary>
    public ReadmeBlock Shell(string tag)
    {
        var found = ShellBlocks.Where(b => b.Tag == tag).ToList();
        Assert.True(found.Count == 1, $"README.md must have exactly one ```sh {tag} block, has {found.Count}");
        return found[0];
    }

    /// <summary>The fenced block right after <paramref name="block"/> (e.g. its expected output).</summary>
    public ReadmeBlock After(ReadmeBlock block)
    {
        Assert.True(block.Index + 1 < Blocks.Count, $"README.md has no block after the one at line {block.Line}");
        return Blocks[block.Index + 1];
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "README.md")) && File.Exists(Path.Combine(dir.FullName, "LoadBalancer.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no README.md + LoadBalancer.sln above {AppContext.BaseDirectory}");
    }
}
