using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Tools;
using LoadBalancer.Bench.Contenders;
using LoadBalancer.Bench.Infra;
using LoadBalancer.Bench.Reporting;
using LoadBalancer.Bench.Workloads;
using Spectre.Console;

namespace LoadBalancer.Bench;

/// <summary>The `e2e` command: parses options, builds the lab, runs, reports, cleans up.</summary>
internal static partial class E2eCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var rounds = new Option<int>("--rounds") { Description = "rounds (each runs every contender once, alternating)", DefaultValueFactory = _ => 3 };
        var duration = new Option<string>("--duration") { Description = "length of each run (e.g. 5s, 10s, 1m)", DefaultValueFactory = _ => "3s" };
        var quick = new Option<bool>("--quick") { Description = "smoke run: 1 round, 3 s per run, a smaller set of contenders (unless --contenders is given)" };
        var outDir = new Option<string>("--out") { Description = "output directory for results.md, results.json and PNG plots", DefaultValueFactory = _ => "bench/results" };
        var contenders = new Option<string>("--contenders") { Description = $"comma-separated contenders, or 'all' ({string.Join(", ", ContenderCatalog.All)})" };
        var workloads = new Option<string>("--workloads") { Description = $"comma-separated workloads ({string.Join(", ", Workload.All.Select(w => w.Id))})", DefaultValueFactory = _ => "all" };
        var udpPackets = new Option<long>("--udp-packets") { Description = "upper bound of datagrams per UDP run", DefaultValueFactory = _ => 2_000_000 };
        var threshold = new Option<double>("--refuse-above", "--threshold") { Description = "refuse a run when other processes used more than this share of one core", DefaultValueFactory = _ => 0.15 };
        var balancer = new Option<string?>("--balancer") { Description = "path of balancer.dll (default: src/Balancer/bin/Release/net10.0/balancer.dll of this repository)" };
        var warmup = new Option<string>("--warmup") { Description = "unmeasured load after each contender starts", DefaultValueFactory = _ => "2s" };
        var backends = new Option<int>("--backends") { Description = "number of backends", DefaultValueFactory = _ => 2 };
        var plan = new Option<bool>("--plan") { Description = "print the contenders, workloads and estimated time, then exit without building a lab" };
        var series = new Option<string?>("--series") { Description = $"L4 engine variant series added after their base contender: {string.Join(", ", ContenderCatalog.Series.Select(x => $"{x.Key} ({string.Join(' ', x.Value)})"))}, or none. Default: workers for a full run without --contenders, none otherwise" };
        var udpThreads = new Option<int>("--udp-threads") { Description = "sender threads of the zero-loss generator (sendmmsg, batches of 64)", DefaultValueFactory = _ => 2 };
        var zlTrial = new Option<string>("--zl-trial") { Description = "length of one zero-loss trial", DefaultValueFactory = _ => "1s" };
        var zlSteps = new Option<int>("--zl-steps") { Description = "paced zero-loss trials after the unlimited one (binary search steps)", DefaultValueFactory = _ => 6 };
        var zlLoss = new Option<double>("--zl-loss") { Description = "loss a zero-loss trial may have, in percent", DefaultValueFactory = _ => 0.1 };
        var coldRate = new Option<long>("--cold-rate") { Description = "datagrams per second of the cold-start row", DefaultValueFactory = _ => 50_000 };
        var coldDuration = new Option<string>("--cold-duration") { Description = "sending time of the cold-start row", DefaultValueFactory = _ => "3s" };
        var synRate = new Option<double>("--syn-rate") { Description = "SYNs per second of the overload row", DefaultValueFactory = _ => 55_000 };
        var synDuration = new Option<string>("--syn-duration") { Description = "flood length of the overload row (bounded by rate x length SYNs)", DefaultValueFactory = _ => "3s" };
        var family = new Option<string>("--family") { Description = "4: the contenders as named (an IPv6 name such as l4-nat6, direct6 or nftables6 runs over IPv6); 6: each replaced by its IPv6 twin; dual: each followed by its IPv6 twin in the same round (ratios of IPv6 rows are against direct6 and nftables6)", DefaultValueFactory = _ => "4" };
        var prefix = new Option<string?>("--prefix") { Description = "start of the lab's namespace names (default lbb<pid>; the router lab adds 'r'); 1 to 11 lowercase letters or digits" };
        var cmd = new Command("e2e", "Compare direct, our L4 modes and L7 front, kernel nftables DNAT, HAProxy and nginx on one namespace lab")
        {
            rounds, duration, quick, outDir, contenders, workloads, udpPackets, threshold, balancer, backends, warmup,
            plan, series, udpThreads, zlTrial, zlSteps, zlLoss, coldRate, coldDuration, synRate, synDuration, prefix, family,
        };
        cmd.SetAction(p =>
        {
            try
            {
                return Action(p);
            }
            catch (ArgumentException ex)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{ex.Message}[/]");
                return 2;
            }
        });
        return cmd;

        int Action(ParseResult p)
        {
            bool q = p.GetValue(quick);
            var given = Split(p.GetValue(contenders));
            IReadOnlyList<string> names = given.Count > 0
                ? (given is ["all"] ? ContenderCatalog.All : given)
                : (q ? ContenderCatalog.Quick : ContenderCatalog.All);
            // Before the series: a series adds IPv4 variants only.
            names = ContenderFamily.Apply(names, p.GetValue(family)!);
            var seriesNames = p.GetValue(series) is { } sv
                ? Split(sv).Where(x => x != "none").ToList()
                : (q || given.Count > 0 ? [] : ["workers"]);
            var withSeries = ContenderCatalog.WithSeries(names, seriesNames);
            var added = withSeries.Except(names).ToHashSet();
            names = withSeries;
            var wl = Split(p.GetValue(workloads)) is { Count: > 0 } w && w is not ["all"] ? w : Workload.All.Select(x => x.Id).ToList();
            var unknown = wl.Where(x => Workload.All.All(k => k.Id != x)).ToList();
            if (unknown.Count > 0)
            {
                throw new ArgumentException($"--workloads: unknown {string.Join(", ", unknown)} (known: {string.Join(", ", Workload.All.Select(x => x.Id))})");
            }

            var traffic = new TrafficOptions(
                Positive(p.GetValue(udpThreads), "--udp-threads", 64),
                32,
                ParseDuration(p.GetValue(zlTrial)!),
                q ? Math.Min(3, p.GetValue(zlSteps)) : Positive(p.GetValue(zlSteps), "--zl-steps", 20),
                LossLimit(p.GetValue(zlLoss)),
                Positive(p.GetValue(coldRate), "--cold-rate", 2_000_000),
                ParseDuration(p.GetValue(coldDuration)!),
                Positive(p.GetValue(synRate), "--syn-rate", 2_000_000),
                ParseDuration(p.GetValue(synDuration)!));
            return Execute(new E2eOptions(
                q ? 1 : p.GetValue(rounds),
                q ? TimeSpan.FromSeconds(3) : ParseDuration(p.GetValue(duration)!),
                names,
                wl,
                Path.GetFullPath(p.GetValue(outDir)!),
                q ? Math.Min(p.GetValue(udpPackets), 1_000_000) : p.GetValue(udpPackets),
                p.GetValue(threshold),
                p.GetValue(balancer) ?? DefaultBalancerDll(),
                q,
                q ? TimeSpan.FromSeconds(1) : ParseDuration(p.GetValue(warmup)!),
                traffic,
                added,
                p.GetValue(family)!), p.GetValue(backends), Environment.GetCommandLineArgs(), p.GetValue(plan), LabPrefix(p.GetValue(prefix)));
        }
    }

    private static double LossLimit(double percent) =>
        percent is >= 0 and < 100 ? percent : throw new ArgumentException($"--zl-loss {percent}: use a percentage from 0 to below 100");

    private static T Positive<T>(T value, string option, T max)
        where T : System.Numerics.INumber<T> =>
        value > T.Zero && value <= max ? value : throw new ArgumentException($"{option} {value}: use a number from 1 to {max}");

    private static string? LabPrefix(string? prefix) =>
        prefix is null || PrefixPattern().IsMatch(prefix) ? prefix : throw new ArgumentException($"--prefix '{prefix}': use 1 to 11 lowercase letters or digits, starting with a letter");

    private static int Execute(E2eOptions options, int backends, string[] argv, bool planOnly, string? labPrefix)
    {
        if (planOnly)
        {
            PrintPlan(options, "(plan only)");
            return 0;
        }

        if (Environment.UserName != "root" && !string.Equals(Environment.GetEnvironmentVariable("USER"), "root", StringComparison.Ordinal) && Shell.Run("id", ["-u"]).StdOut.Trim() != "0")
        {
            AnsiConsole.MarkupLine("[red]e2e needs root: it creates network namespaces.[/]");
            return 2;
        }

        foreach (var n in options.Contenders)
        {
            ContenderCatalog.Create(n);
        }

        var tools = new List<string> { "wrk", "nginx", "curl", "ethtool" };
        if (options.Workloads.Contains("udp-zl"))
        {
            tools.Add("nft");
        }

        foreach (var tool in tools.Where(t => !Shell.Has(t)))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{tool} is missing[/]: apt-get install -y --no-install-recommends {tool} (or run bench/run-e2e.sh, which installs what is missing)");
            return 2;
        }

        if (!File.Exists(options.BalancerDll))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{options.BalancerDll} not found[/]: dotnet build src/Balancer -c Release, or pass --balancer");
            return 2;
        }

        var skipped = options.Contenders.Select(n => (n, why: ContenderCatalog.Missing(n))).Where(x => x.why is not null).ToList();
        foreach (var (n, why) in skipped)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]skipping {n}[/]: missing {why}");
        }

        options = options with { Contenders = options.Contenders.Where(n => skipped.All(s => s.n != n)).ToList() };
        var started = DateTimeOffset.UtcNow;
        var prefix = labPrefix ?? $"lbb{Environment.ProcessId}";
        var work = Path.Combine(Path.GetTempPath(), prefix);
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // First Ctrl+C: finish the current run, then clean up and report what was measured; a second one exits at once.
            e.Cancel = !cancel.IsCancellationRequested;
            cancel.Cancel();
        };

        PrintPlan(options, $"lab {prefix}");
        if (!PublishBuilds(options.Contenders, work))
        {
            return 2;
        }

        IReadOnlyList<RunRecord> records = [];
        var labs = BenchLabs.For(options.Contenders.Select(ContenderCatalog.Create).ToList(), prefix, backends, work, options.BalancerDll, new SpectreLog());
        try
        {
            labs.Up();
            records = new E2eRunner(options, cancel.Token).Run(labs);
        }
        finally
        {
            labs.Dispose();
            if (Directory.Exists(work))
            {
                KeepLogs(work, Path.Combine(options.OutDir, "logs"));
                Directory.Delete(work, recursive: true);
            }
        }

        var command = "dotnet run -c Release --project bench/LoadBalancer.Bench -- " + string.Join(' ', argv.Skip(1));
        var md = ReportWriter.Write(options, Machine(), command, started, records);
        // Plain Console: Spectre would wrap the Markdown at the terminal width.
        Console.Out.WriteLine();
        Console.Out.WriteLine(md);
        AnsiConsole.MarkupLineInterpolated($"written: {options.OutDir}/results.md, results.json and plots");
        var leftovers = Shell.Run("ip", ["netns", "list"]).StdOut.Split('\n').Where(l => l.StartsWith(prefix + "-", StringComparison.Ordinal) || l.StartsWith(prefix + BenchLabs.RouterSuffix + "-", StringComparison.Ordinal)).ToList();
        if (leftovers.Count > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]namespaces left behind: {string.Join(' ', leftovers)}[/]");
            return 1;
        }

        return records.Count > 0 && records.All(r => r.Failure is null) ? 0 : 1;
    }

    private static void PrintPlan(E2eOptions options, string what)
    {
        var created = options.Contenders.Select(ContenderCatalog.Create).ToList();
        var chosen = Workload.All.Where(w => options.Workloads.Contains(w.Id)).ToList();
        int perRound = created.Sum(c => chosen.Count(w => E2eRunner.Applies(options, c, w)));
        var estimate = TimeSpan.FromSeconds(Math.Round(E2eRunner.EstimateSeconds(options, created, chosen)));
        AnsiConsole.MarkupLineInterpolated($"[bold]{what}[/]: {options.Contenders.Count} contenders ({string.Join(", ", options.Contenders)}), {chosen.Count} workloads ({string.Join(", ", chosen.Select(w => w.Id))}), {options.Rounds} round(s) x {options.Duration.TotalSeconds:0.#} s: {perRound * options.Rounds} runs, estimated [bold]{(int)estimate.TotalMinutes} min {estimate.Seconds:00} s[/]");
        // Per contender (all rounds), so the cost of adding one (e.g. the router lab's l4-dsr-router2) shows before a run.
        AnsiConsole.MarkupLineInterpolated($"  per contender: {string.Join(", ", created.Select(c => $"{c.Name} {E2eRunner.EstimateSeconds(options, [c], chosen):0} s" + (c.NeedsRouter ? " (router lab)" : "") + (c.Ipv6 ? " (IPv6)" : "")))}");
        if (created.Any(c => c.Ipv6))
        {
            AnsiConsole.MarkupLineInterpolated($"  IPv6 rows: {string.Join(", ", created.Where(c => c.Ipv6).Select(c => c.Name))} in the dual-stack lab, ratios against {string.Join(" and ", ContenderFamily.Ipv6Baselines)}");
        }
    }

    private static void KeepLogs(string work, string logs)
    {
        // The contenders' own logs (stdout, nginx error logs, balancer output) explain failures after the lab is gone.
        Directory.CreateDirectory(logs);
        foreach (var file in Directory.EnumerateFiles(work, "*.log", SearchOption.AllDirectories))
        {
            var name = Path.GetRelativePath(work, file).Replace('/', '_');
            File.Copy(file, Path.Combine(logs, name), overwrite: true);
        }
    }

    private static List<string> Split(string? s) =>
        (s ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>Parses 500ms, 5s, 2m or a plain number of seconds.</summary>
    internal static TimeSpan ParseDuration(string s)
    {
        var m = DurationPattern().Match(s.Trim());
        if (!m.Success)
        {
            throw new ArgumentException($"--duration '{s}': use e.g. 5s, 500ms or 1m");
        }

        double v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "ms" => TimeSpan.FromMilliseconds(v), "m" => TimeSpan.FromMinutes(v), _ => TimeSpan.FromSeconds(v) };
    }

    private static string DefaultBalancerDll() => Path.Combine(RepositoryRoot(), "src", "Balancer", "bin", "Release", "net10.0", "balancer.dll");

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LoadBalancer.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }

    /// <summary>Publishes, once and before any round, each build an L7 contender asks for (<c>l7-single</c>, <c>l7-single-r2r</c>) into the work directory.</summary>
    private static bool PublishBuilds(IEnumerable<string> contenders, string work)
    {
        var builds = contenders.Select(L7Variant.Parse).OfType<L7Variant>().Select(v => v.Build).Where(b => b != L7Build.Dll).Distinct();
        foreach (var build in builds)
        {
            var outDir = Path.Combine(work, L7Variant.PublishDirectory(build));
            var args = L7Variant.PublishArguments(build, Path.Combine(RepositoryRoot(), "src", "Balancer"), outDir);
            var started = DateTime.UtcNow;
            ProcessResult? result = null;
            AnsiConsole.Status().Start($"publishing the {build} build: dotnet {string.Join(' ', args)}", _ => result = Shell.Run("dotnet", args, TimeSpan.FromMinutes(15)));
            if (result is not { Ok: true })
            {
                AnsiConsole.MarkupLineInterpolated($"[red]publishing the {build} build failed ({result?.ExitCode})[/]: {result?.StdOut.Trim()} {result?.StdErr.Trim()}");
                return false;
            }

            AnsiConsole.MarkupLineInterpolated($"published the {build} build in {(DateTime.UtcNow - started).TotalSeconds:0} s: {outDir}/balancer ({new FileInfo(Path.Combine(outDir, "balancer")).Length / 1_000_000} MB)");
        }

        return true;
    }

    private static string Machine()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var mem = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        var kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        string Version(string tool, params string[] args)
        {
            var r = Shell.Run(tool, args);
            return (r.StdOut + r.StdErr).Split('\n').FirstOrDefault()?.Trim() ?? "";
        }

        return $"{Environment.ProcessorCount} x {cpu}, {mem} RAM, Linux {kernel}, .NET {Environment.Version}; "
            + $"{Version("nginx", "-v")}; {Version("haproxy", "-v")}; {Version("wrk", "-v")}";
    }

    [GeneratedRegex("^[a-z][a-z0-9]{0,10}$")]
    private static partial Regex PrefixPattern();

    [GeneratedRegex(@"^([\d.]+)\s*(ms|s|m)?$")]
    private static partial Regex DurationPattern();
}
