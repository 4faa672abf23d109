using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Control;
using LoadBalancer.Balancer.L4.Arp;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Modes.Flows;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using Microsoft.Extensions.Logging;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>The L4 engine on one interface: a SharpPcap receive thread running the pure data plane, ARP, neighbour resolution, snapshot rebuilds on config/health/neighbour changes, and housekeeping.</summary>
public sealed partial class L4Engine : IAsyncDisposable
{
    /// <summary>Bytes kept free in front of every frame (the tunnel mode writes its outer header there).</summary>
    public const int Headroom = L4Worker.Headroom;

    private readonly BackendControl _control;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NeighbourTable _neighbours;
    private readonly L4SnapshotSource _source = new();
    private readonly ConnectionTable _table;
    private readonly L4SnapshotBuilder _builder;
    private readonly byte[] _controlBuffer = new byte[ArpFrames.FrameLength];
    private readonly object _rebuildLock = new();
    private IPacketDevice? _port;
    private L4Worker[] _workers = [];
    private ITimer? _housekeeping;
    private uint[] _ownedAddresses = [];
    private UInt128[] _ownedAddresses6 = [];
    private string _filter = "";
    private long _arpAnswered;
    private long _gratuitousSent;
    private int _probeIpId = 0xC000;

    private L4Engine(L4Settings config, InterfaceInfo nic, BackendControl control, TimeProvider time, ILoggerFactory loggers)
    {
        Config = config;
        Interface = nic;
        _control = control;
        _time = time;
        _logger = loggers.CreateLogger("LoadBalancer.L4");
        _neighbours = new NeighbourTable(time, loggers.CreateLogger("LoadBalancer.L4.Arp"));
        _table = new ConnectionTable(config.ConnectionTable, time);
        _builder = new L4SnapshotBuilder(nic, _neighbours, control, time, _table);
    }

    /// <summary>The L4 config in force.</summary>
    public L4Settings Config { get; private set; }

    /// <summary>The data interface.</summary>
    public InterfaceInfo Interface { get; }

    /// <summary>The balancer's MAC on the data interface.</summary>
    public EthernetAddress Mac { get; private set; }

    /// <summary>The receive workers (each with its own counters and transmitter), summed at scrape time.</summary>
    public IReadOnlyList<L4Worker> Workers => _workers;

    /// <summary>What the warm-up before capture did.</summary>
    public L4WarmUpResult WarmUp { get; private set; }

    /// <summary>The connection table.</summary>
    public ConnectionTable Table => _table;

    /// <summary>Neighbour resolution.</summary>
    public NeighbourTable Neighbours => _neighbours;

    /// <summary>The snapshot the data plane reads now.</summary>
    public L4Snapshot? Snapshot => _source.Current;

    /// <summary>Stable index -> name maps for the counters' service and backend indices.</summary>
    public L4SnapshotBuilder Names => _builder;

    /// <summary>Interface-level counters: frames received, frames sent and send failures (control frames plus every worker's transmitter), libpcap's kernel counters.</summary>
    public PcapPortCounters PortCounters
    {
        get
        {
            var device = _port?.ReadCounters() ?? default;
            long sent = device.FramesSent, failures = device.SendFailures;
            foreach (var worker in _workers)
            {
                sent += worker.Transmitter.Counters.Sent;
                failures += worker.Transmitter.Counters.Dropped;
            }
            return device with { FramesSent = sent, SendFailures = failures };
        }
    }

    /// <summary>Frames too large for the engine's buffer, ARP requests answered for owned addresses, gratuitous ARPs sent.</summary>
    public (long Oversize, long ArpAnswered, long GratuitousSent) EngineCounters =>
        (_workers.Sum(w => w.Oversize), Interlocked.Read(ref _arpAnswered), Interlocked.Read(ref _gratuitousSent));

    /// <summary>Runs the startup checks, opens the interface and starts forwarding; throws <see cref="L4StartupException"/> listing every problem.</summary>
    public static L4Engine Start(L4Settings config, BackendControl control, ILoggerFactory loggers, TimeProvider? time = null)
    {
        var problems = L4StartupChecks.Run(config);
        if (problems.Count > 0)
        {
            throw new L4StartupException(problems);
        }
        var nic = InterfaceInfo.Read(config.Interface!)!;
        return StartOn(config, nic, control, loggers, time ?? TimeProvider.System,
            (filter, logger) => new PcapPacketDevice(config.Interface!, filter, config.Workers, config.Io.ToOptions(), logger));
    }

    /// <summary>Starts the engine on a given device (tests use an in-memory one); no startup checks.</summary>
    public static L4Engine StartOn(L4Settings config, InterfaceInfo nic, BackendControl control, ILoggerFactory loggers, TimeProvider time,
        Func<string, ILogger, IPacketDevice> openDevice)
    {
        var engine = new L4Engine(config, nic, control, time, loggers);
        try
        {
            engine.Open(openDevice);
            return engine;
        }
        catch
        {
            engine.DisposeCore();
            throw;
        }
    }

    private void Open(Func<string, ILogger, IPacketDevice> openDevice)
    {
        _builder.Configure(Config);
        _filter = _builder.BuildFilter();
        _port = openDevice(_filter, _logger);
        Mac = _port.Mac;
        _builder.SetOwnMac(Mac);
        _neighbours.Changed += Rebuild;
        _control.Changed += OnBackendsChanged;
        Rebuild();
        PreallocateIpv6Table();
        _workers = new L4Worker[_port.Queues];
        for (var i = 0; i < _workers.Length; i++)
        {
            // Different IP ID starts per worker, so tunnel outer headers of two workers do not repeat each other's IDs.
            var processor = new L4Processor(_source, _table, new DataPlaneCounters(), firstIpId: (ushort)(1 + (i * 4099)));
            _workers[i] = new L4Worker(i, processor, _port.GetTransmitter(i), _table.TimeProvider, this, Config.Io.BatchSize, shedNewSyns: !_port.IsSynQueue(i));
        }
        WarmUp = L4WarmUp.Run();
        LogWarmUp(_logger, WarmUp.Frames, WarmUp.Elapsed.TotalMilliseconds);
        _port.Start(_workers);
        AnnounceOwnedAddresses();
        _neighbours.Maintain(SendArpRequest, SendSolicitation);
        _housekeeping = _time.CreateTimer(_ => Housekeeping(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        var synWorkers = Enumerable.Range(0, _workers.Length).Count(_port.IsSynQueue);
        LogStarted(_logger, Config.Interface!, Mac.ToString(), Config.Services.Count, _workers.Length - synWorkers, synWorkers, _workers[0].Transmitter.Kind.ToString().ToLowerInvariant(), _filter);
    }

    /// <summary>Applies a new validated L4 config: services, backends and weights change without dropping tracked flows.</summary>
    public void Apply(L4Settings next)
    {
        if (next.Interface != Config.Interface)
        {
            LogInterfaceChangeIgnored(_logger, Config.Interface!, next.Interface ?? "");
        }
        if (next.Workers != Config.Workers || next.Io != Config.Io)
        {
            LogIoChangeIgnored(_logger);
        }
        var previousOwned = _ownedAddresses;
        var previousOwned6 = _ownedAddresses6;
        Config = next with { Interface = Config.Interface, Workers = Config.Workers, Io = Config.Io };
        _builder.Configure(Config);
        PreallocateIpv6Table();
        var filter = _builder.BuildFilter();
        if (filter != _filter && _port is not null)
        {
            _port.SetFilter(filter);
            _filter = filter;
        }
        Rebuild();
        if (_ownedAddresses.Except(previousOwned).Any() || _ownedAddresses6.Except(previousOwned6).Any())
        {
            AnnounceOwnedAddresses();
        }
    }

    private void OnBackendsChanged(LoadBalancer.Health.HealthSnapshot snapshot) => Rebuild();

    /// <summary>Rebuilds the immutable snapshot from config, health/admin state and neighbours and publishes it with one write.</summary>
    public void Rebuild()
    {
        lock (_rebuildLock)
        {
            var snapshot = _builder.Build(out var owned, out var wanted);
            _neighbours.SetWanted(wanted);
            Volatile.Write(ref _ownedAddresses, owned);
            Volatile.Write(ref _ownedAddresses6, [.. snapshot.OwnedAddresses6]);
            _source.Publish(snapshot);
        }
    }

    /// <summary>A frame the data plane passed to the control plane (ARP), on the worker that received it; replies leave through that worker's transmitter.</summary>
    internal void HandleControlFrame(Span<byte> frame, ITransmitter transmitter)
    {
        if (NdpResponder.IsNeighbourDiscovery(frame))
        {
            // Neighbour discovery the processor passed on: answered by the receive path (HandleNeighbourDiscovery) when it has the room.
            return;
        }
        if (!ArpFrames.TryReadSender(frame, out var senderIp, out var senderMac, out _))
        {
            return;
        }
        _neighbours.Observe(senderIp, senderMac);
        if (ArpResponder.TryBuildReply(frame, Mac, Volatile.Read(ref _ownedAddresses)))
        {
            transmitter.Enqueue(frame);
            Interlocked.Increment(ref _arpAnswered);
        }
    }

    /// <summary>Wraps a packet of the balancer's own kernel (the tunnel data-path probe's handshake) for <paramref name="backend"/> exactly as client traffic of the service it is addressed to, and sends it.</summary>
    /// <returns>False when no tunnel service matches, the backend's MAC is not resolved, or the packet cannot be wrapped.</returns>
    public bool SendProbeFrame(Span<byte> buffer, int offset, int length, UInt128 backend)
    {
        var snapshot = _source.Current;
        var ip = buffer.Slice(offset + EthernetHeader.Length, length - EthernetHeader.Length);
        if (snapshot is null || _port is null || ip.Length < Ipv4Header.MinLength + 4)
        {
            return false;
        }
        if (ip[0] >> 4 == 6)
        {
            return SendProbeFrame6(snapshot, buffer, offset, length, backend);
        }
        if (ip.Length < ((ip[0] & 0x0f) * 4) + 4 || backend > uint.MaxValue)
        {
            return false;
        }
        var destination = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(ip[Ipv4Header.DestinationOffset..]);
        var port = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(ip[(((ip[0] & 0x0f) * 4) + 2)..]);
        var service = snapshot.FindService(destination, port, ip[Ipv4Header.ProtocolOffset]);
        if (service is null || service.Mode.Kind != LoadBalancer.Modes.Forwarding.ForwardingModeKind.Tunnel || !_builder.TryNextHopMac((uint)backend, out var mac))
        {
            return false;
        }
        var id = (ushort)Interlocked.Increment(ref _probeIpId);
        var reason = LoadBalancer.Modes.Forwarding.IpipForwardingMode.Wrap(buffer, offset, length, service.MssClamp, service.MssClampValue, service.ChecksumMode,
            service.TunnelSource, (uint)backend, id, mac, snapshot.BalancerMac, out var outOffset, out var outLength);
        return reason == DropReason.None && _port.SendControl(buffer.Slice(outOffset, outLength));
    }

    private void AnnounceOwnedAddresses()
    {
        var frame = new byte[ArpFrames.FrameLength];
        foreach (var address in Volatile.Read(ref _ownedAddresses))
        {
            var length = ArpResponder.BuildGratuitous(frame, Mac, address);
            _port?.SendControl(frame.AsSpan(0, Math.Max(length, ArpFrames.FrameLength)));
            Interlocked.Increment(ref _gratuitousSent);
        }
        AnnounceOwnedAddresses6();
    }

    private void SendArpRequest(uint target)
    {
        lock (_controlBuffer)
        {
            var length = ArpFrames.BuildRequest(_controlBuffer, Mac, _builder.SourceAddress, target);
            _port?.SendControl(_controlBuffer.AsSpan(0, length));
        }
    }

    private void Housekeeping()
    {
        try
        {
            _neighbours.Maintain(SendArpRequest, SendSolicitation);
            _port?.RefreshMtu();
            _table.Sweep(_time.GetTimestamp());
            if (_builder.ExpireRetired())
            {
                Rebuild();
            }
        }
        catch (Exception e)
        {
            LogHousekeepingFailed(_logger, e);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        DisposeCore();
        return ValueTask.CompletedTask;
    }

    private void DisposeCore()
    {
        _housekeeping?.Dispose();
        _neighbours.Changed -= Rebuild;
        _control.Changed -= OnBackendsChanged;
        _port?.Dispose();
        _port = null;
    }

    /// <summary>The IPv6 twin table preallocates its memory when first used: at start or reload when IPv6 services exist, not on a worker's first IPv6 packet.</summary>
    private void PreallocateIpv6Table()
    {
        if (Config.Services.Values.Any(s => s.IsIpv6))
        {
            _ = _table.Ipv6;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "L4 engine on {Interface} ({Mac}): {Services} service(s), {Workers} worker(s) + {SynWorkers} for new-flow SYNs, transmit {Transmit}; capture filter: {Filter}")]
    private static partial void LogStarted(ILogger logger, string @interface, string mac, int services, int workers, int synWorkers, string transmit, string filter);

    [LoggerMessage(Level = LogLevel.Information, Message = "L4 warm-up: {Frames} synthetic frames through every mode in {Milliseconds:F0} ms before capture starts")]
    private static partial void LogWarmUp(ILogger logger, long frames, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "L4:Workers and L4:Io are bound at start; restart to apply the change")]
    private static partial void LogIoChangeIgnored(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "L4:Interface changed from {Old} to {New}: the interface is bound at start; restart to apply it")]
    private static partial void LogInterfaceChangeIgnored(ILogger logger, string old, string @new);

    [LoggerMessage(Level = LogLevel.Error, Message = "L4 housekeeping failed; it runs again in a second")]
    private static partial void LogHousekeepingFailed(ILogger logger, Exception e);
}
