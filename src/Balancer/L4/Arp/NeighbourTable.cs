using LoadBalancer.Modes.Packets;
using Microsoft.Extensions.Logging;

namespace LoadBalancer.Balancer.L4.Arp;

/// <summary>IP -> MAC for the addresses the engine sends to (backends, gateway): learnt from ARP (IPv4) or neighbour discovery (IPv6) seen on the wire, resolved with the engine's own requests, refreshed and aged out.</summary>
/// <remarks>
/// Control plane only: the data plane never reads this table; resolved MACs go into the immutable snapshot. Both
/// families share one table and one ageing: IPv4 addresses are keyed by their IPv4-mapped IPv6 form (::ffff:a.b.c.d).
/// </remarks>
public sealed partial class NeighbourTable
{
    private readonly object _lock = new();
    private readonly Dictionary<UInt128, Entry> _entries = [];
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private HashSet<UInt128> _wanted = [];
    private static readonly UInt128 s_v4Mapped = new(0, 0x0000_FFFF_0000_0000);
    private static readonly UInt128 s_v4MappedMask = new(ulong.MaxValue, 0xFFFF_FFFF_0000_0000);
    private long _requestsSent;
    private long _repliesLearnt;
    private long _failures;
    private long _solicitationsSent;
    private long _learnt6;
    private long _failures6;

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

    /// <summary>The key of an IPv4 address (its IPv4-mapped IPv6 form).</summary>
    public static UInt128 Key(uint address) => s_v4Mapped | address;

    /// <summary>IPv4: ARP requests sent, replies/requests learnt from, and addresses that failed to resolve.</summary>
    public (long RequestsSent, long Learnt, long Failures) Counters => (Interlocked.Read(ref _requestsSent), Interlocked.Read(ref _repliesLearnt), Interlocked.Read(ref _failures));

    /// <summary>IPv6: neighbour solicitations sent, advertisements/solicitations learnt from, and addresses that failed to resolve.</summary>
    public (long SolicitationsSent, long Learnt, long Failures) Counters6 => (Interlocked.Read(ref _solicitationsSent), Interlocked.Read(ref _learnt6), Interlocked.Read(ref _failures6));

    /// <summary>Wanted IPv6 addresses without a MAC now (backends or gateway that take no new flows until they answer).</summary>
    public int Unresolved6
    {
        get
        {
            lock (_lock)
            {
                return _wanted.Count(a => !IsIpv4(a) && !(_entries.TryGetValue(a, out var e) && e.Mac is not null));
            }
        }
    }

    /// <summary>Sets which IPv4 addresses must be resolved; others are not learnt (a flood of ARP cannot grow the table).</summary>
    public void SetWanted(IEnumerable<uint> addresses) => SetWanted(addresses.Select(Key));

    /// <summary>Sets which addresses (IPv6, and IPv4 by <see cref="Key(uint)"/>) must be resolved; others are not learnt.</summary>
    public void SetWanted(IEnumerable<UInt128> addresses)
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

    /// <summary>The MAC of an IPv4 address, if resolved.</summary>
    public bool TryGet(uint address, out EthernetAddress mac) => TryGet(Key(address), out mac);

    /// <summary>The MAC of an IPv6 address (or an IPv4 one by <see cref="Key(uint)"/>), if resolved.</summary>
    public bool TryGet(UInt128 address, out EthernetAddress mac)
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
    public void Observe(uint senderIp, EthernetAddress senderMac) => Observe(Key(senderIp), senderMac);

    /// <summary>Learns from a neighbour advertisement (or a solicitation's source link-layer option) whose address we want.</summary>
    public void Observe(UInt128 senderIp, EthernetAddress senderMac)
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
                LogResolved(_logger, Format(senderIp), senderMac.ToString());
            }
            _entries[senderIp] = new Entry { Mac = senderMac, ConfirmedAt = _time.GetTimestamp() };
            Interlocked.Increment(ref IsIpv4(senderIp) ? ref _repliesLearnt : ref _learnt6);
        }
        if (changed)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>One maintenance round for IPv4 only (see the other overload).</summary>
    public void Maintain(Action<uint> sendRequest) => Maintain(sendRequest, _ => { });

    /// <summary>One maintenance round: asks for unresolved and stale addresses (ARP through <paramref name="sendRequest"/>, neighbour solicitation through <paramref name="sendSolicitation"/>), forgets expired ones.</summary>
    public void Maintain(Action<uint> sendRequest, Action<UInt128> sendSolicitation)
    {
        var toAsk = new List<UInt128>();
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
                        Interlocked.Increment(ref IsIpv4(address) ? ref _failures : ref _failures6);
                        LogUnresolved(_logger, Format(address), MaxAttempts);
                    }
                    toAsk.Add(address);
                }
            }
        }
        foreach (var address in toAsk)
        {
            if (IsIpv4(address))
            {
                sendRequest((uint)address);
                Interlocked.Increment(ref _requestsSent);
            }
            else
            {
                sendSolicitation(address);
                Interlocked.Increment(ref _solicitationsSent);
            }
        }
        if (changed)
        {
            Changed?.Invoke();
        }
    }

    private static bool IsIpv4(UInt128 key) => (key & s_v4MappedMask) == s_v4Mapped;

    private static string Format(UInt128 key) => IsIpv4(key) ? Ipv4Address.Format((uint)key) : Ipv6Address.Format(key);

    private sealed class Entry
    {
        public EthernetAddress? Mac { get; set; }

        public long ConfirmedAt { get; init; }

        public int Attempts { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Neighbour {Address} did not answer {Attempts} ARP requests or neighbour solicitations: backends there are unavailable until it does")]
    private static partial void LogUnresolved(ILogger logger, string address, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Neighbour {Address} resolved to {Mac}")]
    private static partial void LogResolved(ILogger logger, string address, string mac);
}
