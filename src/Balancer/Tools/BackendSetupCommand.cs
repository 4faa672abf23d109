using System.CommandLine;
using System.Net;

namespace LoadBalancer.Balancer.Tools;

/// <summary>The <c>balancer backend-setup</c> command: prints, applies or checks what a DSR or tunnel backend needs.</summary>
public static class BackendSetupCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var mode = new Option<BackendSetupMode>("--mode")
        {
            Description = "forwarding mode the balancer uses towards this backend: dsr or tunnel",
            Required = true,
        };
        var vip = new Option<string>("--vip")
        {
            Description = "the virtual IP address (IPv4 or IPv6) the backend must accept",
            Required = true,
        };
        var iface = new Option<string?>("--interface")
        {
            Description = "interface traffic from the balancer arrives on (default: the default route's)",
        };
        var apply = new Option<bool>("--apply") { Description = "apply the missing settings instead of printing them" };
        var check = new Option<bool>("--check") { Description = "check each setting; exit 1 and list what is missing" };
        var command = new Command(
            "backend-setup",
            "Print (default), apply or check the host settings a DSR or tunnel backend needs: VIP on lo, arp_ignore=1, "
            + "arp_announce=2, rp_filter off (IPv4 VIP) or IPv6 on and no tentative address (IPv6 VIP), and for tunnel mode "
            + "a decapsulator (protocol 4, or next header 41 for an IPv6 VIP).")
        {
            mode,
            vip,
            iface,
            apply,
            check,
        };
        command.SetAction(parseResult => Run(
            parseResult.GetValue(mode),
            parseResult.GetValue(vip)!,
            parseResult.GetValue(iface),
            parseResult.GetValue(apply),
            parseResult.GetValue(check),
            Console.Out,
            Console.Error));
        return command;
    }

    /// <summary>Runs backend-setup; exit code 0 on success, 1 if settings are missing, 2 on bad input.</summary>
    public static int Run(BackendSetupMode mode, string vip, string? interfaceName, bool apply, bool check, TextWriter output, TextWriter error)
    {
        if (apply && check)
        {
            error.WriteLine("backend-setup: use --apply or --check, not both");
            return 2;
        }

        if (!IPAddress.TryParse(vip, out var address))
        {
            error.WriteLine($"backend-setup: --vip '{vip}' is not an IP address");
            return 2;
        }

        BackendSetupPlan plan;
        try
        {
            plan = BackendSetupPlan.Create(new BackendSetupOptions(mode, address, interfaceName));
        }
        catch (InvalidOperationException ex)
        {
            error.WriteLine($"backend-setup: {ex.Message}");
            return 2;
        }

        if (check)
        {
            return plan.PrintCheck(output) ? 0 : 1;
        }

        if (apply)
        {
            var missing = plan.Apply(output);
            foreach (var note in plan.Notes)
            {
                output.WriteLine($"note     {note}");
            }

            return plan.PrintCheck(output) && missing.Count == 0 ? 0 : 1;
        }

        plan.PrintCommands(output);
        return 0;
    }
}
