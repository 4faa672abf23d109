using System.Globalization;
using System.Net;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Announce;

/// <summary>
/// Announced VIPs as <c>VIP/32 dev DEVICE table T proto 250</c> routes (<c>ip -6 route ... VIP/128 ...</c> for an IPv6
/// VIP, in the IPv6 table of the same number), DEVICE being a TUN device this process holds open: the kernel deletes
/// it, and the routes through it, the moment the process dies.
/// </summary>
public sealed class KernelVipRoutes : IVipRoutes
{
    private readonly string _device;
    private readonly string _table;
    private readonly TunDevice _tun;

    private KernelVipRoutes(TunDevice tun, int table)
    {
        _device = tun.Name;
        _table = table.ToString(CultureInfo.InvariantCulture);
        _tun = tun;
    }

    /// <summary>Creates the device, brings it up and removes routes a previous run left in the table.</summary>
    /// <exception cref="InvalidOperationException">No CAP_NET_ADMIN, no /dev/net/tun, or the device name is taken by another process.</exception>
    public static KernelVipRoutes Open(L4AnnounceConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        TunDevice tun;
        try
        {
            tun = TunDevice.Open(config.Device);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException("L4:Announce:Device: " + e.Message, e);
        }

        try
        {
            var routes = new KernelVipRoutes(tun, config.Table);
            // Only the balancer's own protocol number: other routes in that table are not ours to remove.
            foreach (var family in (string[])["-4", "-6"])
            {
                ProcessRunner.Run("ip", [family, "route", "flush", "table", routes._table, "proto", Protocol]);
            }

            return routes;
        }
        catch
        {
            tun.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Add(IPAddress vip)
    {
        var args = RouteCommand("replace", vip, _device, _table);
        var result = ProcessRunner.Run("ip", args);
        if (!result.Ok)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed: {result.StdErr.Trim()}");
        }
    }

    /// <inheritdoc />
    public void Remove(IPAddress vip) => ProcessRunner.Run("ip", RouteCommand("del", vip, _device, _table));

    /// <summary>The routes this process has in the table now, IPv4 then IPv6 (for tests and status).</summary>
    public IReadOnlyList<string> List() =>
        ((string[])["-4", "-6"]).SelectMany(family => ProcessRunner.Run("ip", [family, "route", "show", "table", _table, "proto", Protocol])
            .StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();

    /// <summary>
    /// The <c>ip</c> arguments that add (<c>replace</c>) or remove (<c>del</c>) a VIP's route: <c>-4 route VERB VIP/32 ...</c>
    /// or <c>-6 route VERB VIP/128 ...</c>, through <paramref name="device"/> in <paramref name="table"/> with the balancer's protocol.
    /// </summary>
    public static string[] RouteCommand(string verb, IPAddress vip, string device, string table)
    {
        ArgumentNullException.ThrowIfNull(vip);
        bool v6 = vip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        return [v6 ? "-6" : "-4", "route", verb, v6 ? $"{vip}/128" : $"{vip}/32", "dev", device, "table", table, "proto", Protocol];
    }

    private static string Protocol => L4AnnounceConfig.RouteProtocol.ToString(CultureInfo.InvariantCulture);

    /// <summary>Closes the device: the kernel removes it and every route through it.</summary>
    public void Dispose() => _tun.Dispose();
}
