using LoadBalancer.Modes.Packets;
using Microsoft.Extensions.Logging;

namespace LoadBalancer.Balancer.L4.Arp;

/// <summary>IPv4 -> MAC for the addresses the engine sends to (backends, gateway): learnt from ARP seen on the wire, resolved with the engine's own requests, refreshed and aged out.</summary>
/// <remarks>Control plane only: the data plane never reads this table; resolved MACs go into the immutable snapshot.</remarks>
public sealed partial class NeighbourTable
{
    private readonly object _lock = new();
    private readonly Dictionary<uint, Entry> _entries = [];
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private HashSet<uint> _wanted = [];
    private long _requestsSent;
    private long _repliesLearnt;
    private long _failures;

    /// <summary>Creates an empty table.</summary>
    public NeighbourTable(TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
    }

    /// <summary>Resolved entries older than this are asked again (while still used).</summary>
    public TimeSpan RefreshAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>An entry not confirmed for this long is forgotten: the backend becomes unavailable until it answers again.</summary>
    public TimeSpan ExpireAfter { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Requests sent for an address before it is reported unresolved.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Raised (outside the lock) when an address gets a MAC, changes MAC, or loses it.</summary>
    public event Action? Changed;

    /// <summary>ARP requests sent, replies/requests learnt from, and addresses that failed to resolve.</summary>
    public (long RequestsSent, long Learnt, long Failures) Counters => (Interlocked.Read(ref _requestsSent), Interlocked.Read(ref _repliesLearnt), Interlocked.Read(ref _failures));

    /// <summary>Sets which addresses must be resolved; others are not learnt (a flood of ARP cannot grow the table).</summary>
    public void SetWanted(IEnumerable<uint> addresses)
    {
        lock (_lock)
        {
            _wanted = [.. addresses];
            foreach (var stale in _entries.Keys.Where(k => !_wanted.Contains(k)).ToList())
            {
                _entries.Remove(stale);
            }
        }
    }

    /// <summary>The MAC of an address, if resolved.</summary>
    public bool TryGet(uint address, out EthernetAddress mac)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(address, out var e) && e.Mac is { } m)
            {
                mac = m;
                return true;
            }
        }
        mac = default;
        return false;
    }

    /// <summary>Learns from an ARP frame seen on the wire (any request or reply whose sender we want).</summary>
    public void Observe(uint senderIp, EthernetAddress senderMac)
    {
        bool changed;
        lock (_lock)
        {
            if (!_wanted.Contains(senderIp))
            {
                return;
            }
            _entries.TryGetValue(senderIp, out var e);
            changed = e?.Mac != senderMac;
            if (e is not null && e.Attempts >= MaxAttempts)
            {
                LogResolved(_logger, Ipv4Address.Format(senderIp), senderMac.ToString());
            }
            _entries[senderIp] = new Entry { Mac = senderMac, ConfirmedAt = _time.GetTimestamp() };
            Interlocked.Increment(ref _repliesLearnt);
        }
        if (changed)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>One maintenance round: asks for unresolved and stale addresses (through <paramref name="sendRequest"/>), forgets expired ones.</summary>
    public void Maintain(Action<uint> sendRequest)
    {
        var toAsk = new List<uint>();
        var changed = false;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            foreach (var address in _wanted)
            {
                _entries.TryGetValue(address, out var e);
                if (e is null)
                {
                    _entries[address] = e = new Entry();
                }
                var age = e.Mac is null ? TimeSpan.MaxValue : _time.GetElapsedTime(e.ConfirmedAt, now);
                if (e.Mac is not null && age > ExpireAfter)
                {
                    e.Mac = null;
                    changed = true;
                }
                if (e.Mac is null || age > RefreshAfter)
                {
                    e.Attempts++;
                    if (e.Mac is null && e.Attempts == MaxAttempts)
                    {
                        Interlocked.Increment(ref _failures);
                        LogUnresolved(_logger, Ipv4Address.Format(address), MaxAttempts);
                    }
                    toAsk.Add(address);
                }
            }
        }
        foreach (var address in toAsk)
        {
            sendRequest(address);
            Interlocked.Increment(ref _requestsSent);
        }
        if (changed)
        {
            Changed?.Invoke();
        }
    }

    private sealed class Entry
    {
        public EthernetAddress? Mac { get; set; }

        public long ConfirmedAt { get; init; }

        public int Attempts { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Neighbour {Address} did not answer {Attempts} ARP requests: backends there are unavailable until it does")]
    private static partial void LogUnresolved(ILogger logger, string address, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Neighbour {Address} resolved to {Mac}")]
    private static partial void LogResolved(ILogger logger, string address, string mac);
}
