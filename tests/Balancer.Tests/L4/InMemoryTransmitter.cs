using LoadBalancer.Balancer.L4.Interop;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>A batching transmitter in memory with the semantics of the real ones: frames queue into preallocated slots and reach the device only on flush (at the end of a batch or when the batch is full); an over-MTU frame is counted.</summary>
public sealed class InMemoryTransmitter(InMemoryPacketDevice device, int batchSize, int mtu) : ITransmitter
{
    private readonly byte[][] _slots = Enumerable.Range(0, batchSize).Select(_ => new byte[mtu + 18]).ToArray();
    private readonly int[] _lengths = new int[batchSize];
    private int _count;
    private bool _disposed;

    public TransmitKind Kind => TransmitKind.Sendmmsg;

    public TransmitCounters Counters { get; } = new();

    /// <summary>Frames per flush, in order (only flushes that sent something).</summary>
    public List<int> FlushSizes { get; } = [];

    public bool Enqueue(ReadOnlySpan<byte> frame)
    {
        if (_disposed)
        {
            Counters.CountDrop(TransmitDropReason.Stopped);
            return false;
        }
        if (PacketSocket.Refuse(frame, mtu) is { } reason)
        {
            Counters.CountDrop(reason);
            return false;
        }
        frame.CopyTo(_slots[_count]);
        _lengths[_count] = frame.Length;
        if (++_count == _slots.Length)
        {
            Flush();
        }
        return true;
    }

    public void Flush()
    {
        if (_count == 0)
        {
            return;
        }
        for (var i = 0; i < _count; i++)
        {
            device.Record(_slots[i].AsSpan(0, _lengths[i]));
        }
        if (device.Capture)
        {
            FlushSizes.Add(_count);
        }
        Counters.CountSent(_count);
        Counters.CountFlush();
        _count = 0;
    }

    public void RefreshMtu()
    {
    }

    public void Dispose()
    {
        Flush();
        _disposed = true;
    }
}
