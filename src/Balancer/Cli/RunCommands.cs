using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace LoadBalancer.Balancer.Cli;

/// <summary>The commands that run a balancer (<c>run</c>, the no-argument demo) or check a config (<c>check</c>).</summary>
internal static class RunCommands
{
    /// <summary>The embedded demo config's resource name.</summary>
    public const string DemoResource = "demo.json";

    /// <summary>How long the demo waits for its backends to become healthy before printing the banner anyway.</summary>
    private static readonly TimeSpan DemoReadyTimeout = TimeSpan.FromSeconds(10);

    public static Option<FileInfo> ConfigOption() => new("--config", "-c")
    {
        Description = "Path to the balancer's JSON config file",
        Required = true,
    };

    public static Command Run()
    {
        var config = ConfigOption();
        var command = new Command("run", "Run the balancer with a config file; reloads it on change and on SIGHUP") { config };
        command.SetAction((parse, ct) => RunFileAsync(parse.GetValue(config)!.FullName, ct));
        return command;
    }

    public static Command Check()
    {
        var config = ConfigOption();
        var command = new Command("check", "Validate a config file and print every problem (exit 1 if any)") { config };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(config)!.FullName;
            var result = await ConfigLoader.LoadFileAsync(path, ConfigValidationContext.CreateStandalone(), ct);
            if (!result.IsValid)
            {
                PrintErrors(path, result.Errors);
                return ExitCodes.BadInput;
            }
            var c = result.Config!;
            Console.WriteLine($"{path}: ok ({c.Balancer.Listeners.Count} listener(s), {c.Routes.Count} route(s), {c.Clusters.Count} cluster(s))");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static void PrintErrors(string source, IReadOnlyList<ConfigError> errors)
    {
        Console.Error.WriteLine($"{source}: {errors.Count} problem(s):");
        foreach (var e in errors)
        {
            Console.Error.WriteLine($"  {e}");
        }
    }

    public static Task<int> RunFileAsync(string path, CancellationToken ct) =>
        RunAsync(() => ConfigLoader.LoadFileAsync(path, ConfigValidationContext.CreateStandalone(), ct), path, demo: false, ct);

    public static Task<int> RunDemoAsync(CancellationToken ct)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(DemoResource)
            ?? throw new InvalidOperationException("the embedded demo config is missing from the build");
        var text = new StreamReader(stream).ReadToEnd();
        return RunAsync(() => ConfigLoader.LoadTextAsync(text, "embedded:demo.json", AppContext.BaseDirectory, ConfigValidationContext.CreateStandalone()),
            configPath: null, demo: true, ct);
    }

    private static async Task<int> RunAsync(Func<Task<ConfigLoadResult>> load, string? configPath, bool demo, CancellationToken ct)
    {
        var result = await load();
        if (!result.IsValid)
        {
            PrintErrors(configPath ?? "embedded:demo.json", result.Errors);
            return ExitCodes.BadInput;
        }
        // Before the first socket: .NET reads the socket engine's settings once.
        var sockets = Hosting.SocketEngineTuning.Apply(result.Config!.Balancer.Tuning);
        if (!demo)
        {
            Console.WriteLine(sockets);
        }
        // Signals are caught before anything starts, so a stop request never finds the process without its handler.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        BalancerHost host;
        try
        {
            host = await BalancerHost.StartAsync(result.Config!, new BalancerHostOptions
            {
                ConfigPath = configPath,
                ConfigureLogging = ConfigureConsoleLogging,
            }, ct);
        }
        catch (L4.Engine.L4StartupException e)
        {
            Console.Error.WriteLine(e.Message);
            return ExitCodes.RuntimeFailure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException
                                   or System.Net.Sockets.SocketException or System.Security.Cryptography.CryptographicException)
        {
            Console.Error.WriteLine($"cannot start: {e.Message}");
            return ExitCodes.RuntimeFailure;
        }
        await using (host)
        {
            try
            {
                if (demo)
                {
                    // Backends start Unknown and take no requests until their checks pass: the banner promises answers.
                    if (!await BackendReadiness.WaitAllAcceptingAsync(host.Control, DemoReadyTimeout, stop.Token))
                    {
                        Console.Error.WriteLine($"warning: not every demo backend is healthy after {DemoReadyTimeout.TotalSeconds:0} s; see {host.AdminUrl}/api/status");
                    }
                    PrintDemoBanner(host);
                }
                else
                {
                    var l4 = host.L4 is { } e ? $", L4 on {e.Interface.Name} ({e.Config.Services.Count} service(s))" : "";
                    Console.WriteLine($"balancer running: front {(host.FrontUrls.Count == 0 ? "(none)" : string.Join(", ", host.FrontUrls))}, admin {host.AdminUrl}{l4} (Ctrl+C to stop)");
                }
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("stopping: closing the listeners; open connections end after their next response");
            }
            var left = await host.DrainAsync(CancellationToken.None);
            Console.WriteLine($"stopped: {host.Traffic?.Recorded ?? 0} request(s) served; {left} client connection(s) still open were closed");
        }
        return ExitCodes.Ok;
    }

    private static void PrintDemoBanner(BalancerHost host)
    {
        var front = host.FrontUrls[0];
        Console.WriteLine("LoadBalancer demo: the L7 front spreads requests over in-process demo backends.");
        foreach (var b in host.DemoBackends)
        {
            Console.WriteLine($"  backend {b.Name,-8} {b.Url}");
        }
        Console.WriteLine($"  front          {front}");
        Console.WriteLine($"  admin          {host.AdminUrl}  (status page, /api/status, /metrics, /healthz)");
        Console.WriteLine();
        Console.WriteLine($"Try:  for i in 1 2 3 4 5 6; do curl -s {front}/; done; curl -s {host.AdminUrl}/metrics | grep ^lb_");
        Console.WriteLine($"Drain one:  dotnet run --project src/Balancer -- admin drain demo beta --admin {host.AdminUrl}");
        Console.WriteLine("Ctrl+C stops it.");
    }

    public static void ConfigureConsoleLogging(ILoggingBuilder logging)
    {
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Yarp", LogLevel.Warning);
    }
}
