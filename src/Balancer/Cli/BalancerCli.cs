using System.CommandLine;

namespace LoadBalancer.Balancer.Cli;

/// <summary>The <c>balancer</c> command line: every command, with --help on each.</summary>
public static class BalancerCli
{
    /// <summary>Builds the root command; with no subcommand it runs the embedded demo.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("balancer: an L7 (YARP) and L4 (NAT, IP-in-IP tunnel, DSR) load balancer. With no command it runs the embedded demo.")
        {
            RunCommands.Run(),
            RunCommands.Check(),
            AdminCommands.Create(),
            Lab.LabCommand.Create(),
            Tools.BackendSetupCommand.Create(),
            Tools.DecapCommand.Create(),
            DemoBackendCommand.Create(),
        };
        root.SetAction((_, ct) => RunCommands.RunDemoAsync(ct));
        return root;
    }

    /// <summary>Parses and runs; parse errors exit with <see cref="ExitCodes.BadInput"/>.</summary>
    public static async Task<int> InvokeAsync(string[] args)
    {
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                Console.Error.WriteLine(e.Message);
            }
            Console.Error.WriteLine("Use --help to see the commands and options.");
            return ExitCodes.BadInput;
        }
        return await parse.InvokeAsync();
    }
}
