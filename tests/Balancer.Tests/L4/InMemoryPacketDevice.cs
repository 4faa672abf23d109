using LoadBalancer.Balancer.L4.Engine;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>A packet device in memory: the test injects frames (delivered synchronously on the calling thread) and sees what the engine sends.</summary>
public sealed class InMemoryPacketDevice(EthernetAddress mac) : IPacketDevice
{
    private readonly object _lock = new();
    private IFrameHandler? _handler;
    private long _received;
    private long _sent;

    public EthernetAddress Mac { get; } = mac;

    /// <summary>Frames sent by the engine, when <see cref="Capture"/> is on.</summary>
    public List<byte[]> Sent { get; } = [];

    /// <summary>Keep a copy of every frame sent (off for the allocation test).</summary>
    public bool Capture { get; set; } = true;

    public string Filter { get; private set; } = "";

    public void Start(IFrameHandler handler) => _handler = handler;

    public void Inject(ReadOnlySpan<byte> frame)
    {
        _received++;
        _handler!.OnFrame(frame);
    }

    public bool Send(ReadOnlySpan<byte> frame)
    {
        _sent++;
        if (Capture)
        {
            lock (_lock)
            {
                Sent.Add(frame.ToArray());
            }
        }
        return true;
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

    public PcapPortCounters ReadCounters() => new(_received, _sent, 0, 0, new PcapStat { Received = (uint)_received });

    public void Dispose()
    {
    }
}
