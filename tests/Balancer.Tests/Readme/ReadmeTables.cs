using System.Text.RegularExpressions;

namespace LoadBalancer.Balancer.Tests.Readme;

/// <summary>The tables of README.md: rows under a heading, split into cells.</summary>
public static partial class ReadmeTables
{
    /// <summary>The rows (header and separator left out) of the first table after the heading line <paramref name="heading"/>.</summary>
    public static IReadOnlyList<string[]> Rows(ReadmeDocument readme, string heading)
    {
        var lines = readme.Text.Split('\n');
        int at = Array.FindIndex(lines, l => l.TrimEnd() == heading);
        Assert.True(at >= 0, $"README.md has no heading '{heading}'");
        var rows = new List<string[]>();
        int i = at + 1;
        while (i < lines.Length && !lines[i].StartsWith('|') && !lines[i].StartsWith('#'))
        {
            i++;
        }
        for (; i < lines.Length && lines[i].StartsWith('|'); i++)
        {
            // Split on | that is not escaped as \|.
            var cells = CellSplit().Split(lines[i].Trim().Trim('|')).Select(c => c.Trim().Replace("\\|", "|", StringComparison.Ordinal)).ToArray();
            rows.Add(cells);
        }
        Assert.True(rows.Count > 2, $"no table after '{heading}'");
        return rows.Skip(2).ToList();
    }

    /// <summary>The `code` spans of a cell, in order.</summary>
    public static IReadOnlyList<string> CodeSpans(string cell) => CodeSpan().Matches(cell).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex CellSplit();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();
}
