using System.CommandLine;
using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.Tools;

/// <summary>The <c>balancer decap</c> command: runs the userspace IP-in-IP and IPv6-in-IPv6 decapsulator on a tunnel-mode backend.</summary>
public static class DecapCommand
{
    // PosixSignal has no SIGUSR1 member; raw signal numbers are accepted on Unix (10 on x86-64 and arm64 Linux).
    private const PosixSignal SigUsr1 = (PosixSignal)10;

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var tun = new Option<string>("--tun")
        {
            Description = "name of the TUN device inner packets are written to",
            DefaultValueFactory = _ => DecapOptions.DefaultTunName,
        };
        var duration = new Option<int>("--duration")
        {
            Description = "stop after this many seconds (0: run until SIGINT/SIGTERM)",
            DefaultValueFactory = _ => 0,
        };
        var statsInterval = new Option<int>("--stats-interval")
        {
            Description = "print counters every this many seconds (0: only on SIGUSR1 and at exit)",
            DefaultValueFactory = _ => 10,
        };
        var command = new Command(
            "decap",
            "Backend-side tunnel agent for kernels without the ipip and ip6_tunnel modules: strips the outer header of "
            + "IPv4-in-IPv4 (protocol 4) and IPv6-in-IPv6 (next header 41) packets and hands the inner packet to the kernel "
            + "through a TUN device.")
        {
            tun,
            duration,
            statsInterval,
        };
        command.SetAction(parseResult => Run(
            parseResult.GetValue(tun) ?? DecapOptions.DefaultTunName,
            parseResult.GetValue(duration),
            parseResult.GetValue(statsInterval),
            Console.Out,
            Console.Error));
        return command;
    }

    /// <summary>Runs the decapsulator until a signal or the duration ends; returns the process exit code.</summary>
    public static int Run(string tunName, int durationSeconds, int statsIntervalSeconds, TextWriter output, TextWriter error)
    {
        using var decapsulator = new Decapsulator(new DecapOptions(tunName));
        try
        {
            decapsulator.Start();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"decap: {ex.Message}");
            return 1;
        }

        output.WriteLine(decapsulator.Ipv6Unavailable is { } why
            ? $"decap: listening for IP protocol 4 (not IPv6 next header 41: {why}), writing inner packets to {tunName}"
            : $"decap: listening for IP protocol 4 and IPv6 next header 41, writing inner packets to {tunName}");
        using var stop = new ManualResetEventSlim();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        using var sigusr1 = PosixSignalRegistration.Create(SigUsr1, context =>
        {
            context.Cancel = true;
            output.WriteLine($"decap: {decapsulator.Counters}");
        });
        var deadline = durationSeconds > 0 ? DateTime.UtcNow.AddSeconds(durationSeconds) : DateTime.MaxValue;
        var interval = statsIntervalSeconds > 0 ? TimeSpan.FromSeconds(statsIntervalSeconds) : Timeout.InfiniteTimeSpan;
        while (!stop.IsSet)
        {
            var remaining = deadline == DateTime.MaxValue ? Timeout.InfiniteTimeSpan : deadline - DateTime.UtcNow;
            if (remaining != Timeout.InfiniteTimeSpan && remaining <= TimeSpan.Zero)
            {
                break;
            }

            var wait = interval == Timeout.InfiniteTimeSpan ? remaining
                : remaining == Timeout.InfiniteTimeSpan ? interval
                : remaining < interval ? remaining : interval;
            if (!stop.Wait(wait) && interval != Timeout.InfiniteTimeSpan)
            {
                output.WriteLine($"decap: {decapsulator.Counters}");
            }
        }

        decapsulator.Stop();
        output.WriteLine($"decap: stopped: {decapsulator.Counters}");
        return 0;

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Set();
        }
    }
}
