using LoadBalancer.Balancer.L4.Engine;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>A packet device in memory: the test injects frames as receive batches (delivered synchronously on the calling thread) and sees what the engine's transmitters flushed and what it sent as control frames.</summary>
public sealed class InMemoryPacketDevice : IPacketDevice
{
    private readonly object _lock = new();
    private readonly InMemoryTransmitter[] _transmitters;
    private IReadOnlyList<IFrameHandler> _handlers = [];
    private long _received;
    private long _controlSent;

    public InMemoryPacketDevice(EthernetAddress mac, int queues = 1, int batchSize = 64, int mtu = 1500)
    {
        Mac = mac;
        _transmitters = Enumerable.Range(0, queues).Select(_ => new InMemoryTransmitter(this, batchSize, mtu)).ToArray();
    }

    public EthernetAddress Mac { get; }

    public int Queues => _transmitters.Length;

    public bool IsSynQueue(int queue) => false;

    /// <summary>Frames sent by the engine (flushed by a transmitter, or control frames), when <see cref="Capture"/> is on.</summary>
    public List<byte[]> Sent { get; } = [];

    /// <summary>Keep a copy of every frame sent (off for the allocation test).</summary>
    public bool Capture { get; set; } = true;

    public string Filter { get; private set; } = "";

    public InMemoryTransmitter Transmitter(int queue) => _transmitters[queue];

    public ITransmitter GetTransmitter(int queue) => _transmitters[queue];

    public void Start(IReadOnlyList<IFrameHandler> handlers) => _handlers = handlers;

    /// <summary>Delivers one frame as a batch of one to queue <paramref name="queue"/>.</summary>
    public void Inject(ReadOnlySpan<byte> frame, int queue = 0)
    {
        var handler = _handlers[queue];
        handler.BeginBatch();
        _received++;
        handler.OnFrame(frame);
        handler.EndBatch(1);
    }

    /// <summary>Delivers frames as one receive batch to queue <paramref name="queue"/>.</summary>
    public void InjectBatch(IReadOnlyList<byte[]> frames, int queue = 0)
    {
        var handler = _handlers[queue];
        handler.BeginBatch();
        for (var i = 0; i < frames.Count; i++)
        {
            _received++;
            handler.OnFrame(frames[i]);
        }
        handler.EndBatch(frames.Count);
    }

    public bool SendControl(ReadOnlySpan<byte> frame)
    {
        _controlSent++;
        Record(frame);
        return true;
    }

    internal void Record(ReadOnlySpan<byte> frame)
    {
        if (Capture)
        {
            lock (_lock)
            {
                Sent.Add(frame.ToArray());
            }
        }
    }

    public List<byte[]> TakeSent()
    {
        lock (_lock)
        {
            var copy = Sent.ToList();
            Sent.Clear();
            return copy;
        }
    }

    public void SetFilter(string filter) => Filter = filter;

    public void RefreshMtu()
    {
    }

    public PcapPortCounters ReadCounters() => new(_received, _controlSent, 0, 0, new PcapStat { Received = (uint)_received });

    public void Dispose()
    {
        foreach (var t in _transmitters)
        {
            t.Dispose();
        }
    }
}
