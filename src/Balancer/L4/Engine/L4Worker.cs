using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>One receive worker: its own processor, counters, receive buffer and transmitter; reads the clock once per batch and flushes the transmitter at the end of every batch.</summary>
public sealed class L4Worker : IFrameHandler
{
    /// <summary>Bytes kept free in front of every frame (the tunnel mode writes its outer header there).</summary>
    public const int Headroom = 64;

    private const int MaxFrame = 65535;

    private readonly L4Processor _processor;
    private readonly ITransmitter _transmitter;
    private readonly TimeProvider _time;
    private readonly L4Engine? _engine;
    private readonly byte[] _rxBuffer = GC.AllocateUninitializedArray<byte>(Headroom + MaxFrame, pinned: true);
    private readonly int _batchSize;
    private readonly int _synBudget;
    private bool _saturated;
    private long _now;
    private long _packets;
    private long _batches;
    private long _oversize;

    /// <summary>Creates worker <paramref name="index"/>; <paramref name="engine"/> handles its control frames (null: they are ignored, as in the warm-up).</summary>
    /// <param name="index">The worker's number.</param>
    /// <param name="processor">Its own data plane.</param>
    /// <param name="transmitter">Its own transmitter.</param>
    /// <param name="time">The connection table's clock.</param>
    /// <param name="engine">Handles control frames; null ignores them.</param>
    /// <param name="batchSize">The receive batch size: a full batch means frames were waiting, i.e. the worker is saturated.</param>
    /// <param name="shedNewSyns">Whether new SYNs beyond a budget are shed while saturated (off for a queue that holds only SYNs).</param>
    public L4Worker(int index, L4Processor processor, ITransmitter transmitter, TimeProvider time, L4Engine? engine, int batchSize = 64, bool shedNewSyns = true)
    {
        _batchSize = Math.Max(1, batchSize);
        // While saturated, at most a quarter of a batch may be new SYNs: tracked flows keep the rest.
        _synBudget = shedNewSyns ? Math.Max(1, _batchSize / 4) : -1;
        Index = index;
        _processor = processor;
        _transmitter = transmitter;
        _time = time;
        _engine = engine;
    }

    /// <summary>The worker's number (the <c>worker</c> label).</summary>
    public int Index { get; }

    /// <summary>This worker's data-plane counters.</summary>
    public DataPlaneCounters Counters => _processor.Counters;

    /// <summary>This worker's transmitter (and its counters).</summary>
    public ITransmitter Transmitter => _transmitter;

    /// <summary>Frames this worker received.</summary>
    public long Packets => Volatile.Read(ref _packets);

    /// <summary>Non-empty receive batches (mean batch size = Packets / Batches).</summary>
    public long Batches => Volatile.Read(ref _batches);

    /// <summary>Captured frames too large for the receive buffer.</summary>
    public long Oversize => Volatile.Read(ref _oversize);

    /// <inheritdoc />
    public void BeginBatch()
    {
        _now = _time.GetTimestamp();
        _processor.NewFlowBudget = _saturated && _synBudget > 0 ? _synBudget : -1;
    }

    /// <inheritdoc />
    public void OnFrame(ReadOnlySpan<byte> frame)
    {
        if (frame.Length > MaxFrame)
        {
            _oversize++;
            return;
        }

        var buffer = _rxBuffer;
        frame.CopyTo(buffer.AsSpan(Headroom));
        if (NdpResponder.IsNeighbourDiscovery(frame))
        {
            // The reply may be longer than the solicitation (a unicast NS may leave out its option): the buffer has the room.
            _engine?.HandleNeighbourDiscovery(buffer.AsSpan(Headroom), frame.Length, _processor.Counters, _transmitter);
            return;
        }
        var result = _processor.Process(buffer, Headroom, frame.Length, 0, _now);
        if (result.Verdict == Verdict.Tx)
        {
            _transmitter.Enqueue(buffer.AsSpan(result.Offset, result.Length));
        }
        else if (result.Verdict == Verdict.Pass)
        {
            _engine?.HandleControlFrame(buffer.AsSpan(Headroom, frame.Length), _transmitter);
        }
    }

    /// <inheritdoc />
    public void EndBatch(int frames)
    {
        _transmitter.Flush();
        _saturated = frames >= _batchSize;
        if (frames > 0)
        {
            _packets += frames;
            _batches++;
        }
    }
}
