using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Tests.TestSupport;

namespace LoadBalancer.Balancer.Tests.Readme;

/// <summary>Every command of the README's Commands table has <c>--help</c>, and every option the table names is in it.</summary>
public sealed partial class CommandsTableTests
{
    [Fact]
    public async Task EveryCommandInTheTable_HasHelpListingTheOptionsTheTableNames()
    {
        var commands = Commands(ReadmeDocument.Load());
        Assert.True(commands.Count >= 15, $"only {commands.Count} commands parsed from the table");
        Assert.Contains(commands, c => c.Path == "admin weight" && c.Options.SetEquals(["--admin", "--token"]));

        // One at a time: the machine is shared.
        var helps = new List<BalancerProcess.Result>();
        foreach (var c in commands)
        {
            helps.Add(await BalancerProcess.RunAsync(TimeSpan.FromMinutes(2), [.. c.Path.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"]));
        }

        var problems = new List<string>();
        foreach (var (command, help) in commands.Zip(helps))
        {
            var usage = $"balancer {command.Path}".TrimEnd();
            if (help.ExitCode != 0 || !help.Stdout.Contains($"Usage:\n  {usage}", StringComparison.Ordinal))
            {
                problems.Add($"`{usage} --help`: exit {help.ExitCode}, no 'Usage: {usage}' in: {help.Stdout}{help.Stderr}");
                continue;
            }
            problems.AddRange(command.Options.Where(o => !Regex.IsMatch(help.Stdout, $@"(^|[\s,]){Regex.Escape(o)}\b", RegexOptions.Multiline))
                .Select(o => $"`{usage} --help` does not list {o}"));
        }
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>(command path, options) per row; a row with alternatives (<c>status|ready|...</c>) gives one command per alternative.</summary>
    private static List<(string Path, HashSet<string> Options)> Commands(ReadmeDocument readme)
    {
        var result = new List<(string, HashSet<string>)>();
        foreach (var row in ReadmeTables.Rows(readme, "## Commands"))
        {
            var words = ReadmeTables.CodeSpans(row[0])[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("balancer", words[0]);
            var path = words.Skip(1).TakeWhile(w => CommandWord().IsMatch(w)).ToList();
            var options = OptionName().Matches(string.Join(' ', words)).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
            // The last word may list alternative subcommands.
            var alternatives = path.Count == 0 ? [""] : path[^1].Split('|');
            var parent = string.Join(' ', path.Take(path.Count - 1));
            result.AddRange(alternatives.Select(a => ($"{parent} {a}".Trim(), options)));
        }
        return result;
    }

    [GeneratedRegex(@"^[a-z][a-z-]*(\|[a-z][a-z-]*)*$")]
    private static partial Regex CommandWord();

    [GeneratedRegex(@"--[a-z][a-z-]*")]
    private static partial Regex OptionName();
}
