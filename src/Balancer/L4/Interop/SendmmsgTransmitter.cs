using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.L4.Interop;

/// <summary>Batched transmit over an AF_PACKET socket: frames are copied into preallocated slots and leave with one sendmmsg() per flush.</summary>
/// <remarks>
/// A frame the kernel refuses in the middle of a batch (sendmmsg stops there and reports how many went) is counted
/// by its errno and the rest of the batch is sent with the next call. A frame larger than a slot (the MTU grew after
/// start) goes alone with send().
/// </remarks>
public sealed unsafe class SendmmsgTransmitter : ITransmitter
{
    private readonly string _interface;
    private readonly int _fd;
    private readonly int _batch;
    private readonly int _slotSize;
    private readonly byte* _slots;
    private readonly IoVec* _iov;
    private readonly MMsgHdr* _messages;
    private volatile int _mtu;
    private int _count;
    private bool _disposed;

    /// <summary>Opens and binds the socket in the calling thread's network namespace and preallocates <paramref name="options"/>.BatchSize slots.</summary>
    /// <exception cref="InvalidOperationException">The socket cannot be opened or bound.</exception>
    public SendmmsgTransmitter(string interfaceName, TransmitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        _interface = interfaceName;
        _fd = PacketSocket.Open(interfaceName, options.QdiscBypass);
        try
        {
            PacketSocket.Bind(_fd, interfaceName);
        }
        catch
        {
            Libc.Close(_fd);
            throw;
        }

        _mtu = PacketSocket.ReadMtu(_fd, interfaceName, 1500);
        _batch = options.BatchSize;
        _slotSize = (_mtu + PacketSocket.EthernetHeader + 4 + 63) & ~63;
        _slots = (byte*)NativeMemory.AlignedAlloc((nuint)(_batch * _slotSize), 64);
        _iov = (IoVec*)NativeMemory.AllocZeroed((nuint)(_batch * sizeof(IoVec)));
        _messages = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(_batch * sizeof(MMsgHdr)));
        for (int i = 0; i < _batch; i++)
        {
            _iov[i].Base = _slots + (i * _slotSize);
            _messages[i].Iov = &_iov[i];
            _messages[i].IovLength = 1;
        }
    }

    /// <inheritdoc />
    public TransmitKind Kind => TransmitKind.Sendmmsg;

    /// <inheritdoc />
    public TransmitCounters Counters { get; } = new();

    /// <summary>Frames queued and not yet flushed.</summary>
    public int Queued => _count;

    /// <inheritdoc />
    public bool Enqueue(ReadOnlySpan<byte> frame)
    {
        if (_disposed)
        {
            Counters.CountDrop(TransmitDropReason.Stopped);
            return false;
        }

        if (PacketSocket.Refuse(frame, _mtu) is { } reason)
        {
            Counters.CountDrop(reason);
            return false;
        }

        if (frame.Length > _slotSize)
        {
            Flush();
            return SendAlone(frame);
        }

        frame.CopyTo(new Span<byte>(_slots + (_count * _slotSize), _slotSize));
        _iov[_count].Length = (nuint)frame.Length;
        if (++_count == _batch)
        {
            Flush();
        }

        return true;
    }

    /// <inheritdoc />
    public void Flush()
    {
        int count = _count;
        int next = 0;
        while (next < count)
        {
            int sent = Libc.SendMmsg(_fd, _messages + next, (uint)(count - next), 0);
            Counters.CountFlush();
            if (sent > 0)
            {
                Counters.CountSent(sent);
                next += sent;
                continue;
            }

            int errno = PacketSocket.LastErrno();
            if (errno == Libc.EIntr)
            {
                continue;
            }

            // The message at `next` was refused: count it and send the rest.
            Counters.CountDrop(PacketSocket.Classify(errno));
            next++;
        }

        _count = 0;
    }

    /// <inheritdoc />
    public void RefreshMtu() => _mtu = PacketSocket.ReadMtu(_fd, _interface, _mtu);

    private bool SendAlone(ReadOnlySpan<byte> frame)
    {
        nint rc;
        fixed (byte* p = frame)
        {
            rc = Libc.Send(_fd, p, (nuint)frame.Length, 0);
        }

        Counters.CountFlush();
        if (rc >= 0)
        {
            Counters.CountSent(1);
            return true;
        }

        Counters.CountDrop(PacketSocket.Classify(PacketSocket.LastErrno()));
        return false;
    }

    /// <summary>Flushes what is queued, then closes the socket and frees the slots.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        Flush();
        _disposed = true;
        Libc.Close(_fd);
        NativeMemory.AlignedFree(_slots);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_messages);
    }
}
