using System.Buffers.Binary;
using System.Net;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Health;
using LoadBalancer.Modes.Packets;
using Microsoft.Extensions.Logging;

namespace LoadBalancer.Balancer.Announce;

/// <summary>
/// Keeps the announced VIPs in line with the config, the backends' state and the node's drain flag: a VIP is announced
/// while one of its announced services has a backend that takes new flows and the node is not draining.
/// </summary>
public sealed partial class VipAnnouncer : IDisposable
{
    /// <summary>Reason of an announced VIP.</summary>
    public const string AnnouncedReason = "announced";

    /// <summary>Reason of a VIP withdrawn because the node drains.</summary>
    public const string DrainingReason = "node draining";

    /// <summary>Reason of a VIP withdrawn because no backend takes new flows.</summary>
    public const string NoBackendReason = "no backend takes new flows";

    /// <summary>Reason of a VIP whose services all have announcement off.</summary>
    public const string OffReason = "Announce off";

    private readonly object _lock = new();
    private readonly Func<L4AnnounceConfig, IVipRoutes> _open;
    private readonly ILogger _logger;
    private readonly HashSet<IPAddress> _announced = [];
    private IVipRoutes? _routes;
    private L4AnnounceConfig? _routesConfig;
    private L4Settings _config;
    private HealthSnapshot _snapshot;
    private bool _draining;
    private IReadOnlyList<VipStatus> _status = [];

    /// <summary>Creates the announcer and applies the first state; opens the routes at once when anything is to be announced, so a missing capability stops the start.</summary>
    /// <exception cref="InvalidOperationException">The announce table or device cannot be set up.</exception>
    public VipAnnouncer(L4Settings config, HealthSnapshot snapshot, Func<L4AnnounceConfig, IVipRoutes> open, ILogger logger)
    {
        _config = config;
        _snapshot = snapshot;
        _open = open;
        _logger = logger;
        lock (_lock)
        {
            if (AnyAnnounced(config))
            {
                OpenRoutes(config.Announce);
            }

            Reconcile();
        }
    }

    /// <summary>True after <see cref="SetDraining"/>(true): every VIP is withdrawn, flows that still arrive are served.</summary>
    public bool Draining => Volatile.Read(ref _draining);

    /// <summary>Every VIP of the config with its state, ordered by VIP.</summary>
    public IReadOnlyList<VipStatus> Status => Volatile.Read(ref _status);

    /// <summary>Applies a reloaded config.</summary>
    public void Update(L4Settings config) => Change(() => _config = config);

    /// <summary>Applies a new backend snapshot.</summary>
    public void Update(HealthSnapshot snapshot) => Change(() => _snapshot = snapshot);

    /// <summary>Drains (withdraws every VIP) or readies the node.</summary>
    public void SetDraining(bool draining) => Change(() => Volatile.Write(ref _draining, draining));

    /// <summary>What should be announced for a config, a snapshot and a drain flag (no side effects).</summary>
    public static IReadOnlyList<VipStatus> Plan(L4Settings config, HealthSnapshot snapshot, bool draining) =>
        PlanByVip(config, snapshot, draining).Select(p => p.Status).ToList();

    /// <summary>The plan with each VIP (IPv4 or IPv6) as an address, ordered by the VIP's text as the status lists it.</summary>
    private static List<(IPAddress Vip, VipStatus Status)> PlanByVip(L4Settings config, HealthSnapshot snapshot, bool draining)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(snapshot);
        var result = new List<(IPAddress, VipStatus)>();
        foreach (var group in config.Services.Values.GroupBy(Address).Select(g => (Text: g.Key.ToString(), Services: g)).OrderBy(g => g.Text, StringComparer.Ordinal))
        {
            var announced = group.Services.Where(s => s.Announce).ToList();
            var usable = announced.Any(s => snapshot.GetPool(s.Name).Any(b => b.AcceptsNewFlows));
            var reason = announced.Count == 0 ? OffReason : draining ? DrainingReason : usable ? AnnouncedReason : NoBackendReason;
            var services = group.Services.Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
            result.Add((group.Services.Key, new VipStatus(group.Text, reason == AnnouncedReason, reason, services)));
        }

        return result;
    }

    private static bool AnyAnnounced(L4Settings config) => config.Services.Values.Any(s => s.Announce);

    private static IPAddress Address(L4ServiceSettings service) =>
        service.IsIpv6 ? IPAddress.Parse(Ipv6Address.Format(service.Vip6)) : new IPAddress(BinaryPrimitives.ReverseEndianness(service.Vip));

    private void Change(Action change)
    {
        lock (_lock)
        {
            change();
            try
            {
                if (_routes is not null && _routesConfig != _config.Announce)
                {
                    CloseRoutes();
                }

                Reconcile();
            }
            catch (InvalidOperationException e)
            {
                LogFailed(_logger, e.Message);
            }
        }
    }

    private void Reconcile()
    {
        var plan = PlanByVip(_config, _snapshot, _draining);
        var wanted = plan.Where(p => p.Status.Announced).Select(p => p.Vip).ToHashSet();
        foreach (var vip in _announced.Where(v => !wanted.Contains(v)).ToList())
        {
            _routes?.Remove(vip);
            _announced.Remove(vip);
            LogWithdrawn(_logger, vip.ToString(), plan.FirstOrDefault(p => p.Vip.Equals(vip)).Status?.Reason ?? "service removed");
        }

        var errors = new Dictionary<IPAddress, string>();
        foreach (var (vip, status) in plan.Where(p => p.Status.Announced && !_announced.Contains(p.Vip)))
        {
            try
            {
                (_routes ?? OpenRoutes(_config.Announce)).Add(vip);
                _announced.Add(vip);
                LogAnnounced(_logger, status.Vip);
            }
            catch (InvalidOperationException e)
            {
                errors[vip] = e.Message;
                LogFailed(_logger, e.Message);
            }
        }

        Volatile.Write(ref _status, plan.Select(p => errors.TryGetValue(p.Vip, out var error) ? p.Status with { Announced = false, Reason = error } : p.Status).ToList());
    }

    private IVipRoutes OpenRoutes(L4AnnounceConfig config)
    {
        _routes = _open(config);
        _routesConfig = config;
        return _routes;
    }

    private void CloseRoutes()
    {
        foreach (var vip in _announced)
        {
            _routes?.Remove(vip);
        }

        _announced.Clear();
        _routes?.Dispose();
        _routes = null;
        _routesConfig = null;
    }

    /// <summary>Withdraws every VIP and closes the device.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            CloseRoutes();
            Volatile.Write(ref _status, []);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "VIP {Vip} announced")]
    private static partial void LogAnnounced(ILogger logger, string vip);

    [LoggerMessage(Level = LogLevel.Information, Message = "VIP {Vip} withdrawn: {Reason}")]
    private static partial void LogWithdrawn(ILogger logger, string vip, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "VIP announcement failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string error);
}
