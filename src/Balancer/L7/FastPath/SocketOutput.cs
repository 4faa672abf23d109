using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace LoadBalancer.Balancer.L7.FastPath;

/// <summary>
/// A client connection's output for the fast path on its own sockets: a <see cref="PipeWriter"/> whose flush sends the
/// buffered bytes on the socket itself (no send loop, no pipe). A flush completes when the kernel has taken every byte,
/// which is the backpressure; a flush on a connection that failed reports <see cref="FlushResult.IsCompleted"/>.
/// </summary>
internal sealed class SocketOutput(Socket socket) : PipeWriter, IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(4096);
    private int _length;
    private bool _failed;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _length;

    public override void Advance(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (_length + bytes > _buffer.Length)
        {
            throw new InvalidOperationException("Advance past the memory GetMemory returned");
        }
        _length += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        var free = Ensure(sizeHint);
        return _buffer.AsMemory(_length, free);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        var free = Ensure(sizeHint);
        return _buffer.AsSpan(_length, free);
    }

    private int Ensure(int sizeHint)
    {
        var need = Math.Max(sizeHint, 1);
        if (_buffer.Length - _length < need)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + need));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        return _buffer.Length - _length;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_failed)
        {
            _length = 0;
            return new(new FlushResult(isCanceled: false, isCompleted: true));
        }
        if (_length == 0)
        {
            return new(new FlushResult(isCanceled: false, isCompleted: false));
        }
        try
        {
            var send = socket.SendAsync(_buffer.AsMemory(0, _length), SocketFlags.None);
            if (!send.IsCompletedSuccessfully)
            {
                return SendRestAsync(send);
            }
            // Its result is read once: a ValueTask backed by the socket's reused event args must not be read again.
            var sent = send.Result;
            if (sent != _length)
            {
                return SendRestAsync(ValueTask.FromResult(sent));
            }
            _length = 0;
            return new(new FlushResult(isCanceled: false, isCompleted: false));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return new(Failed());
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> SendRestAsync(ValueTask<int> send)
    {
        try
        {
            var sent = await send;
            while (sent < _length)
            {
                var n = await socket.SendAsync(_buffer.AsMemory(sent, _length - sent), SocketFlags.None);
                if (n <= 0)
                {
                    return Failed();
                }
                sent += n;
            }
            _length = 0;
            return new FlushResult(isCanceled: false, isCompleted: false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return Failed();
        }
    }

    private FlushResult Failed()
    {
        _failed = true;
        _length = 0;
        return new FlushResult(isCanceled: false, isCompleted: true);
    }

    public override void CancelPendingFlush()
    {
    }

    public override void Complete(Exception? exception = null)
    {
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
