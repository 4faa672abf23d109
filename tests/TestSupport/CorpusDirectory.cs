namespace LoadBalancer.TestSupport;

/// <summary>Finds tests/Fuzz/corpus/TARGET from the test's output directory (walks up to the repository root).</summary>
public static class CorpusDirectory
{
    /// <summary>The corpus folder of a fuzz target.</summary>
    public static string Of(string target)
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "Fuzz", "corpus", target);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"tests/Fuzz/corpus/{target} not found above {AppContext.BaseDirectory}");
    }

    /// <summary>File names (not paths) in a target's corpus, sorted.</summary>
    public static IEnumerable<string> Files(string target)
        => Directory.GetFiles(Of(target)).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal);

    /// <summary>Full path of one corpus file.</summary>
    public static string PathOf(string target, string name) => Path.Combine(Of(target), name);
}
