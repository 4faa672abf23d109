using System.CommandLine;
using System.Runtime.InteropServices;
using LoadBalancer.Balancer.Demo;

namespace LoadBalancer.Balancer.Cli;

/// <summary><c>balancer demo-backend</c>: one demo web server (and optional UDP echo) in the foreground, for labs and tests.</summary>
internal static class DemoBackendCommand
{
    public static Command Create()
    {
        var name = new Option<string>("--name") { Description = "Name it answers with", Required = true };
        var url = new Option<string>("--url") { Description = "URL to listen on (e.g. http://0.0.0.0:8080)", DefaultValueFactory = _ => "http://0.0.0.0:8080" };
        var udp = new Option<int?>("--udp") { Description = "Also answer UDP datagrams on this port with NAME:payload" };
        var command = new Command("demo-backend", "Run one demo backend (answers its name; /bytes/N, /delay/MS, /echo, /ws, /health) until SIGTERM") { name, url, udp };
        command.SetAction(async (p, ct) =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            await using var backend = await DemoBackend.StartAsync(p.GetValue(name)!, p.GetValue(url)!, ct);
            using var echo = p.GetValue(udp) is { } port ? new UdpEcho(p.GetValue(name)!, port) : null;
            Console.WriteLine($"demo-backend {backend.Name} listening on {backend.Url}{(echo is null ? "" : $" and udp/{p.GetValue(udp)}")}");
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
