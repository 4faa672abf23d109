using System.Globalization;
using System.Net;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Announce;

/// <summary>
/// Announced VIPs as <c>VIP/32 dev DEVICE table T proto 250</c> routes, DEVICE being a TUN device this process holds
/// open: the kernel deletes it, and the routes through it, the moment the process dies.
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
            ProcessRunner.Run("ip", ["route", "flush", "table", routes._table, "proto", L4AnnounceConfig.RouteProtocol.ToString(CultureInfo.InvariantCulture)]);
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
        var result = ProcessRunner.Run("ip", ["route", "replace", .. Route(vip)]);
        if (!result.Ok)
        {
            throw new InvalidOperationException($"ip route replace {vip}/32 table {_table} failed: {result.StdErr.Trim()}");
        }
    }

    /// <inheritdoc />
    public void Remove(IPAddress vip) => ProcessRunner.Run("ip", ["route", "del", .. Route(vip)]);

    /// <summary>The routes this process has in the table now (for tests and status).</summary>
    public IReadOnlyList<string> List() =>
        ProcessRunner.Run("ip", ["route", "show", "table", _table, "proto", L4AnnounceConfig.RouteProtocol.ToString(CultureInfo.InvariantCulture)])
            .StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private string[] Route(IPAddress vip) =>
        [$"{vip}/32", "dev", _device, "table", _table, "proto", L4AnnounceConfig.RouteProtocol.ToString(CultureInfo.InvariantCulture)];

    /// <summary>Closes the device: the kernel removes it and every route through it.</summary>
    public void Dispose() => _tun.Dispose();
}
