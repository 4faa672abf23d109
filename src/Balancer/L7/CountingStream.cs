namespace LoadBalancer.Balancer.L7;

/// <summary>
/// A pass-through stream that counts the bytes read from and written to the stream it wraps (one request's body; not
/// thread-safe, like the body itself). The access log's pooled scope reuses its pair across requests; the traffic
/// recorder reads the count of the wrapper it finds on the body and only wraps a body when the access log is off, so
/// each body is wrapped once per request.
/// </summary>
internal sealed class CountingStream : Stream
{
    private Stream _inner = Null;

    /// <summary>Creates a stream wrapping nothing yet (see <see cref="Reset"/>).</summary>
    public CountingStream()
    {
    }

    /// <summary>Creates a stream wrapping <paramref name="inner"/>.</summary>
    public CountingStream(Stream inner) => _inner = inner;

    /// <summary>Bytes read plus bytes written since <see cref="Reset"/>.</summary>
    public long Count { get; private set; }

    /// <summary>The wrapped stream.</summary>
    public Stream Inner => _inner;

    /// <summary>Wraps <paramref name="inner"/> and starts counting from 0.</summary>
    public CountingStream Reset(Stream inner)
    {
        _inner = inner;
        Count = 0;
        return this;
    }

    public override bool CanRead => _inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => _inner.CanWrite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => _inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Counted(_inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Counted(_inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        _inner.Write(buffer, offset, count);
        Count += count;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _inner.Write(buffer);
        Count += buffer.Length;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Count += buffer.Length;
        return _inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Count += count;
        return _inner.WriteAsync(buffer, offset, count, cancellationToken);
    }

    private int Counted(int n)
    {
        Count += n;
        return n;
    }
}
