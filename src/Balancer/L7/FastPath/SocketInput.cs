using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace LoadBalancer.Balancer.L7.FastPath;

/// <summary>
/// A client connection's input for the fast path on its own sockets: a <see cref="PipeReader"/> that receives straight
/// into one buffer when its reader asks for more, with no receive loop and no pipe in between (Kestrel's transport has
/// both). The first receive only peeks: a connection whose first request goes to Kestrel is handed over with nothing
/// taken from the socket, and Kestrel reads it from the start on its own transport.
/// </summary>
/// <remarks>
/// One reader at a time, as for any <see cref="PipeReader"/>; <see cref="CancelPendingRead"/> may come from any thread.
/// The buffer grows up to <see cref="MaxBuffered"/> unconsumed bytes; a reader that needs more sees the input end.
/// </remarks>
internal sealed class SocketInput : PipeReader, IValueTaskSource<ReadResult>, IDisposable
{
    /// <summary>The most unconsumed bytes kept (a request head is at most 32 KB before the fast path hands it over).</summary>
    public const int MaxBuffered = 256 * 1024;

    private readonly Socket _socket;
    private readonly Lock _lock = new();
    private readonly Action _onReceived;
    private ManualResetValueTaskSourceCore<ReadResult> _source;
    private ConfiguredValueTaskAwaitable<int>.ConfiguredValueTaskAwaiter _receive;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _examined;
    private int _peeked;
    private bool _peekNext = true;
    private bool _taken;
    private bool _receiving;
    private bool _waiting;
    private bool _cancelNext;
    private bool _completed;

    public SocketInput(Socket socket, int size = 4096)
    {
        _socket = socket;
        _buffer = ArrayPool<byte>.Shared.Rent(size);
        _onReceived = OnReceived;
    }

    /// <summary>True while nothing has been taken from the socket (at most peeked): Kestrel can read it from the start.</summary>
    public bool Untouched
    {
        get
        {
            lock (_lock)
            {
                return !_taken && !_receiving;
            }
        }
    }

    /// <summary>The bytes received and not consumed, copied (what a connection handed over mid-way still has to read).</summary>
    public byte[] Unconsumed()
    {
        lock (_lock)
        {
            return _buffer.AsSpan(_start, _end - _start).ToArray();
        }
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_cancelNext)
            {
                _cancelNext = false;
                return new(Result(canceled: true));
            }
            if (_end > _examined || _completed)
            {
                return new(Result(canceled: false));
            }
            if (!_receiving)
            {
                StartReceive();
            }
            if (!_receiving)
            {
                // Received at once, ended, or the completion ran on this thread (the lock is re-entrant) before the wait began.
                return new(Result(canceled: false));
            }
            _waiting = true;
            _source.Reset();
            return new(this, _source.Version);
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        lock (_lock)
        {
            var ready = _cancelNext || _end > _start || _completed;
            result = ready ? Result(_cancelNext) : default;
            _cancelNext = false;
            return ready;
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        lock (_lock)
        {
            var c = Index(consumed);
            var e = Math.Max(Index(examined), c);
            if (c < _start || e > _end)
            {
                throw new InvalidOperationException("AdvanceTo outside the buffer the last read returned");
            }
            if (c > _start && _peeked > 0)
            {
                // The first request is the fast path's: the peeked bytes are taken from the socket now.
                Take();
            }
            _start = c;
            _examined = e;
            if (_start == _end && !_receiving)
            {
                _start = _end = _examined = 0;
            }
        }
    }

    public override void CancelPendingRead()
    {
        ReadResult result;
        lock (_lock)
        {
            if (!_waiting)
            {
                _cancelNext = true;
                return;
            }
            _waiting = false;
            result = Result(canceled: true);
        }
        _source.SetResult(result);
    }

    public override void Complete(Exception? exception = null)
    {
    }

    private int Index(SequencePosition position)
    {
        if (position.GetObject() is { } o && !ReferenceEquals(o, _buffer))
        {
            throw new InvalidOperationException("AdvanceTo with a position of another buffer");
        }
        return position.GetInteger() & int.MaxValue;
    }

    private ReadResult Result(bool canceled) =>
        new(new ReadOnlySequence<byte>(_buffer, _start, _end - _start), canceled, _completed);

    /// <summary>Starts a receive (under the lock); <c>_receiving</c> stays false when it completed at once or the input ended.</summary>
    private void StartReceive()
    {
        if ((_peeked > 0 && !Take()) || !MakeRoom())
        {
            return;
        }
        try
        {
            var receive = _socket.ReceiveAsync(_buffer.AsMemory(_end), _peekNext ? SocketFlags.Peek : SocketFlags.None);
            _receive = receive.ConfigureAwait(false).GetAwaiter();
            if (receive.IsCompleted)
            {
                Received();
                return;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _completed = true;
            return;
        }
        _receiving = true;
        _receive.UnsafeOnCompleted(_onReceived);
    }

    private void OnReceived()
    {
        ReadResult result;
        lock (_lock)
        {
            _receiving = false;
            Received();
            if (!_waiting)
            {
                return;
            }
            _waiting = false;
            result = Result(canceled: false);
        }
        _source.SetResult(result);
    }

    private void Received()
    {
        int n;
        try
        {
            n = _receive.GetResult();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            n = 0;
        }
        _receive = default;
        if (n <= 0)
        {
            _completed = true;
            return;
        }
        if (_peekNext)
        {
            _peekNext = false;
            _peeked = n;
        }
        else
        {
            _taken = true;
        }
        _end += n;
    }

    /// <summary>Takes the peeked bytes from the socket (they are there: a plain receive of that many returns at once).</summary>
    private bool Take()
    {
        _taken = true;
        try
        {
            while (_peeked > 0)
            {
                var n = _socket.Receive(_buffer, _end - _peeked, _peeked, SocketFlags.None);
                if (n <= 0)
                {
                    break;
                }
                _peeked -= n;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        if (_peeked > 0)
        {
            _peeked = 0;
            _completed = true;
            return false;
        }
        return true;
    }

    /// <summary>Space after the received bytes: moved to the front, or a larger buffer; false when over <see cref="MaxBuffered"/>.</summary>
    private bool MakeRoom()
    {
        if (_start > 0 && _buffer.Length - _end < 2048)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            (_end, _examined, _start) = (_end - _start, _examined - _start, 0);
        }
        if (_end < _buffer.Length)
        {
            return true;
        }
        if (_buffer.Length >= MaxBuffered)
        {
            _completed = true;
            return false;
        }
        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, MaxBuffered));
        _buffer.AsSpan(0, _end).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
        return true;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (!_receiving && _buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = [];
            }
        }
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);
}
