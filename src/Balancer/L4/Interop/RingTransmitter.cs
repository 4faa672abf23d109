using System.Diagnostics;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Batched transmit through a PACKET_TX_RING: frames are written into the mmap'd ring and one send() per flush hands them all to the kernel.</summary>
/// <remarks>
/// Set up as Documentation/networking/packet_mmap.rst describes: TPACKET_V2, PACKET_LOSS before the ring (so a bad
/// frame is skipped rather than aborting the flush; the engine checks the MTU itself because a skipped frame is not
/// reported), frame size a multiple of 16. Flushes do not wait (MSG_DONTWAIT); a slot still owned by the kernel when
/// it comes round again is flushed once more and, if still busy, the frame is dropped and counted as TxFull. Closing
/// drains the ring first.
/// </remarks>
public sealed unsafe class RingTransmitter : ITransmitter
{
    // struct tpacket2_hdr: tp_status (u32) at 0, tp_len (u32) at 4; frame data starts at
    // TPACKET2_HDRLEN - sizeof(struct sockaddr_ll) = 52 - 20 = 32 for a TX ring without PACKET_TX_HAS_OFF.
    private const int DataOffset = 32;
    private const uint StatusAvailable = 0;
    private const uint StatusSendRequest = 1;
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(1);

    private readonly string _interface;
    private readonly int _fd;
    private readonly int _batch;
    private readonly byte* _ring;
    private readonly nuint _ringBytes;
    private readonly int _frameSize;
    private readonly int _framesPerBlock;
    private readonly int _blockSize;
    private readonly int _frames;
    private readonly int _capacity;
    private volatile int _mtu;
    private int _head;
    private int _pending;
    private bool _disposed;

    /// <summary>Opens the socket and maps a ring of at least <paramref name="options"/>.RingFrames frames in the calling thread's network namespace.</summary>
    /// <exception cref="InvalidOperationException">The socket, the ring or the mapping cannot be set up.</exception>
    public RingTransmitter(string interfaceName, TransmitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RingFrames, 1);
        _interface = interfaceName;
        _batch = options.BatchSize;
        _fd = PacketSocket.Open(interfaceName, options.QdiscBypass);
        try
        {
            _mtu = PacketSocket.ReadMtu(_fd, interfaceName, 1500);
            _capacity = _mtu + PacketSocket.EthernetHeader + 4;
            _frameSize = (DataOffset + _capacity + 15) & ~15;
            int page = Environment.SystemPageSize;
            _blockSize = ((_frameSize * 8) + page - 1) / page * page;
            _framesPerBlock = _blockSize / _frameSize;
            int blocks = (options.RingFrames + _framesPerBlock - 1) / _framesPerBlock;
            _frames = blocks * _framesPerBlock;
            PacketSocket.SetInt(_fd, Libc.SolPacket, Libc.PacketVersion, Libc.TpacketV2, "PACKET_VERSION", interfaceName);
            PacketSocket.SetInt(_fd, Libc.SolPacket, Libc.PacketLoss, 1, "PACKET_LOSS", interfaceName);
            var request = new TpacketReq { BlockSize = (uint)_blockSize, BlockCount = (uint)blocks, FrameSize = (uint)_frameSize, FrameCount = (uint)_frames };
            if (Libc.SetSockOpt(_fd, Libc.SolPacket, Libc.PacketTxRing, &request, sizeof(TpacketReq)) != 0)
            {
                throw new InvalidOperationException($"PACKET_TX_RING ({_frames} frames of {_frameSize} B) on {interfaceName} failed: {Libc.LastErrorText()}");
            }

            _ringBytes = (nuint)_blockSize * (nuint)blocks;
            void* mapped = Libc.Mmap(null, _ringBytes, Libc.ProtReadWrite, Libc.MapShared, _fd, 0);
            if (mapped == (void*)-1)
            {
                throw new InvalidOperationException($"mmap of the TX ring on {interfaceName} failed: {Libc.LastErrorText()}");
            }

            _ring = (byte*)mapped;
            PacketSocket.Bind(_fd, interfaceName);
        }
        catch
        {
            if (_ring != null)
            {
                Libc.Munmap(_ring, _ringBytes);
            }

            Libc.Close(_fd);
            throw;
        }
    }

    /// <inheritdoc />
    public TransmitKind Kind => TransmitKind.Ring;

    /// <inheritdoc />
    public TransmitCounters Counters { get; } = new();

    /// <summary>Frames in the ring.</summary>
    public int RingFrames => _frames;

    /// <inheritdoc />
    public bool Enqueue(ReadOnlySpan<byte> frame)
    {
        if (_disposed)
        {
            Counters.CountDrop(TransmitDropReason.Stopped);
            return false;
        }

        // PACKET_LOSS skips a frame the kernel refuses without telling anyone: refuse it here, counted.
        var refused = frame.Length > _capacity ? TransmitDropReason.OverMtu : PacketSocket.Refuse(frame, _mtu);
        if (refused is { } reason)
        {
            Counters.CountDrop(reason);
            return false;
        }

        byte* slot = Slot(_head);
        if (Volatile.Read(ref *(uint*)slot) != StatusAvailable)
        {
            Flush();
            if (Volatile.Read(ref *(uint*)slot) != StatusAvailable)
            {
                Counters.CountDrop(TransmitDropReason.TxFull);
                return false;
            }
        }

        frame.CopyTo(new Span<byte>(slot + DataOffset, _capacity));
        *(uint*)(slot + 4) = (uint)frame.Length;
        Volatile.Write(ref *(uint*)slot, StatusSendRequest);
        _head = _head + 1 == _frames ? 0 : _head + 1;
        if (++_pending >= _batch)
        {
            Flush();
        }

        return true;
    }

    /// <inheritdoc />
    public void Flush() => FlushCore(Libc.MsgDontWait);

    /// <inheritdoc />
    public void RefreshMtu() => _mtu = PacketSocket.ReadMtu(_fd, _interface, _mtu);

    private void FlushCore(int flags)
    {
        if (_pending == 0)
        {
            return;
        }

        nint rc;
        do
        {
            rc = Libc.Send(_fd, null, 0, flags);
        }
        while (rc < 0 && PacketSocket.LastErrno() == Libc.EIntr);
        Counters.CountFlush();

        // On failure (interface down) the frames stay queued in order; the next flush that works sends them, and a ring
        // that stays full drops new frames as TxFull. Resetting them here could leave the kernel's ring head behind ours.
        if (rc >= 0)
        {
            Counters.CountSent(_pending);
            _pending = 0;
        }
    }

    private byte* Slot(int index) => _ring + ((index / _framesPerBlock) * _blockSize) + ((index % _framesPerBlock) * _frameSize);

    /// <summary>Flushes and waits (bounded) for the kernel to finish with the ring; frames that could not be sent are counted as Stopped; then unmaps and closes.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        FlushCore(0);
        Counters.CountDrop(TransmitDropReason.Stopped, _pending);
        _pending = 0;
        _disposed = true;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < DrainLimit && !Drained())
        {
            Thread.Sleep(1);
        }

        Libc.Munmap(_ring, _ringBytes);
        Libc.Close(_fd);
    }

    private bool Drained()
    {
        for (int i = 0; i < _frames; i++)
        {
            uint status = Volatile.Read(ref *(uint*)Slot(i));
            if (status != StatusAvailable && status != StatusSendRequest)
            {
                return false;
            }
        }

        return true;
    }
}
