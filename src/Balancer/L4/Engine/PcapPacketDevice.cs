using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Modes.Packets;
using Microsoft.Extensions.Logging;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>The production device: one <see cref="PcapPort"/> per worker on the interface (inbound only, immediate mode, kernel BPF filter), joined in a PACKET_FANOUT hash group when there are several, each with its own transmitter; with separate SYN queues, a second set of ports takes only new-flow SYNs.</summary>
internal sealed class PcapPacketDevice : IPacketDevice
{
    private readonly PcapPort[] _ports;
    private readonly ITransmitter[] _transmitters;
    private readonly Forwarder[] _forwarders;
    private readonly object _controlLock = new();
    private readonly int _workers;
    private readonly bool _synQueues;

    public PcapPacketDevice(string interfaceName, string filter, int workers, TransmitOptions transmit, ILogger logger)
    {
        _workers = workers;
        _synQueues = transmit.SeparateSynQueue;
        var queues = _synQueues ? workers * 2 : workers;
        _ports = new PcapPort[queues];
        _forwarders = new Forwarder[queues];
        _transmitters = new ITransmitter[queues];
        try
        {
            for (var i = 0; i < queues; i++)
            {
                _forwarders[i] = new Forwarder();
                _ports[i] = PcapPort.Open(new PcapPortOptions(interfaceName, FilterFor(i, filter))
                {
                    BatchSize = transmit.BatchSize,
                    // A SYN queue keeps libpcap's small default: a flood beyond what the worker handles is dropped at once, not queued for seconds.
                    KernelBufferSize = IsSynQueue(i) ? null : transmit.ReceiveBufferBytes,
                }, _forwarders[i], logger);
            }
            if (workers > 1)
            {
                FanoutGroup = JoinGroup(0);
                if (_synQueues)
                {
                    JoinGroup(workers);
                }
                // Until the group was complete every handle captured every frame: drop those copies rather than forward them twice.
                foreach (var port in _ports)
                {
                    port.DiscardQueued();
                }
            }
            for (var i = 0; i < queues; i++)
            {
                _transmitters[i] = transmit.Kind switch
                {
                    TransmitKind.Ring => new RingTransmitter(interfaceName, transmit),
                    TransmitKind.Pcap => new PcapTransmitter(_ports[i]),
                    _ => new SendmmsgTransmitter(interfaceName, transmit),
                };
            }
        }
        catch
        {
            foreach (var t in _transmitters)
            {
                t?.Dispose();
            }
            foreach (var p in _ports)
            {
                p?.Dispose();
            }
            throw;
        }
    }

    /// <summary>The BPF test for a TCP segment with SYN and without ACK: a new flow's first segment (or a flood).</summary>
    // libpcap's tcp[] reads IPv4 only: an IPv6 SYN is matched right after the fixed header (flags at 40 + 13); one
    // behind extension headers lands on the other queues, which serve it too.
    internal const string NewFlowSyn = "((tcp and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn) or (ip6 and ip6[6] == 6 and ip6[53] & 0x12 == 0x02))";

    /// <summary>The capture filter of queue <paramref name="queue"/>: with separate SYN queues, queues 0..workers-1 take everything but new-flow SYNs and the rest take only those.</summary>
    internal string FilterFor(int queue, string filter) => !_synQueues
        ? filter
        : queue < _workers ? $"({filter}) and not {NewFlowSyn}" : $"({filter}) and {NewFlowSyn}";

    public bool IsSynQueue(int queue) => _synQueues && queue >= _workers;

    private int JoinGroup(int first)
    {
        var group = _ports[first].JoinFanout(0);
        for (var i = first + 1; i < first + _workers; i++)
        {
            _ports[i].JoinFanout(group);
        }
        return group;
    }

    /// <summary>The PACKET_FANOUT group id of the first queues (0 with one worker).</summary>
    public int FanoutGroup { get; }

    public EthernetAddress Mac => EthernetAddress.TryParse(
        string.Join(':', _ports[0].MacAddress.GetAddressBytes().Select(b => b.ToString("x2"))), out var mac) ? mac : default;

    public int Queues => _ports.Length;

    public ITransmitter GetTransmitter(int queue) => _transmitters[queue];

    public void Start(IReadOnlyList<IFrameHandler> handlers)
    {
        for (var i = 0; i < _ports.Length; i++)
        {
            _forwarders[i].Target = handlers[i];
            _ports[i].Start();
        }
    }

    public bool SendControl(ReadOnlySpan<byte> frame)
    {
        lock (_controlLock)
        {
            return _ports[0].Send(frame);
        }
    }

    public void SetFilter(string filter)
    {
        for (var i = 0; i < _ports.Length; i++)
        {
            _ports[i].SetFilter(FilterFor(i, filter));
        }
    }

    public void RefreshMtu()
    {
        foreach (var t in _transmitters)
        {
            t.RefreshMtu();
        }
    }

    public PcapPortCounters ReadCounters()
    {
        long received = 0, sent = 0, failures = 0, errors = 0;
        var kernel = default(PcapStat);
        foreach (var port in _ports)
        {
            var c = port.ReadCounters();
            received += c.FramesReceived;
            sent += c.FramesSent;
            failures += c.SendFailures;
            errors += c.HandlerErrors;
            kernel.Received += c.Kernel.Received;
            kernel.Dropped += c.Kernel.Dropped;
            kernel.InterfaceDropped += c.Kernel.InterfaceDropped;
        }
        return new PcapPortCounters(received, sent, failures, errors, kernel);
    }

    public void Dispose()
    {
        // Stop every receive thread first; a transmitter is drained and closed only when its thread has stopped.
        var stopped = _ports.Select(p => p.Stop()).ToArray();
        for (var i = 0; i < _ports.Length; i++)
        {
            if (stopped[i])
            {
                _transmitters[i].Dispose();
            }
            _ports[i].Dispose();
        }
    }

    /// <summary>PcapPort takes its handler at open time; the engine attaches its workers at start.</summary>
    private sealed class Forwarder : IFrameHandler
    {
        public IFrameHandler? Target { get; set; }

        public void BeginBatch() => Target?.BeginBatch();

        public void OnFrame(ReadOnlySpan<byte> frame) => Target?.OnFrame(frame);

        public void EndBatch(int frames) => Target?.EndBatch(frames);
    }
}
