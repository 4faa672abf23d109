using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace LoadBalancer.Balancer.L7.FastPath;

/// <summary>
/// A connection the fast path's own listener hands to Kestrel after taking bytes from it (a keep-alive connection
/// whose later request is for YARP): Kestrel's socket connection, with the bytes already received put back in front of
/// its input. The input then goes through one more pipe; a connection handed over before anything was taken (the
/// usual case: its first request is for YARP) is Kestrel's own connection, without this.
/// </summary>
internal sealed class HandedOverConnection : ConnectionContext, IDuplexPipe
{
    private static readonly PipeOptions Options = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, useSynchronizationContext: false);

    private readonly ConnectionContext _inner;
    private readonly Pipe _pipe = new(Options);
    private readonly Task _pump;

    public HandedOverConnection(ConnectionContext inner, ReadOnlySpan<byte> received)
    {
        _inner = inner;
        _pipe.Writer.Write(received);
        Transport = this;
        _pump = PumpAsync();
    }

    PipeReader IDuplexPipe.Input => _pipe.Reader;

    PipeWriter IDuplexPipe.Output => _inner.Transport.Output;

    public override IDuplexPipe Transport { get; set; }

    public override string ConnectionId
    {
        get => _inner.ConnectionId;
        set => _inner.ConnectionId = value;
    }

    public override IFeatureCollection Features => _inner.Features;

    public override IDictionary<object, object?> Items
    {
        get => _inner.Items;
        set => _inner.Items = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => _inner.LocalEndPoint;
        set => _inner.LocalEndPoint = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => _inner.RemoteEndPoint;
        set => _inner.RemoteEndPoint = value;
    }

    public override CancellationToken ConnectionClosed
    {
        get => _inner.ConnectionClosed;
        set => _inner.ConnectionClosed = value;
    }

    private async Task PumpAsync()
    {
        var input = _inner.Transport.Input;
        try
        {
            var flushed = await _pipe.Writer.FlushAsync();
            if (!flushed.IsCompleted)
            {
                await input.CopyToAsync(_pipe.Writer);
            }
            await _pipe.Writer.CompleteAsync();
        }
        catch (Exception e)
        {
            await _pipe.Writer.CompleteAsync(e);
        }
        await input.CompleteAsync();
    }

    public override void Abort(ConnectionAbortedException abortReason) => _inner.Abort(abortReason);

    /// <summary>Ends the pump (its read is cancelled; the client may have nothing more to send), then Kestrel's connection.</summary>
    public override async ValueTask DisposeAsync()
    {
        try
        {
            _inner.Transport.Input.CancelPendingRead();
        }
        catch (InvalidOperationException)
        {
            // The pump already ended.
        }
        await _pump;
        await _inner.DisposeAsync();
    }
}
