using System.Buffers;
using System.Runtime.CompilerServices;
using System.Net.Sockets;
using Yarp.ReverseProxy.Forwarder;

namespace LoadBalancer.Balancer.L7.FastPath;

internal sealed partial class FastConnection
{
    private ChunkedScanner _chunks;
    private bool _closeAfter;

    /// <summary>The upstream request head in <see cref="_send"/> (with the body when it is small and already here).</summary>
    private (int Length, long Body) Compose(in ReadOnlySequence<byte> buffer, FastDestination fast)
    {
        var first = buffer.FirstSpan;
        var head = first.Length >= _request.Length ? first[.._request.Length] : _headCopy.AsSpan(0, _request.Length);
        var contentLength = Math.Max(_request.ContentLength, 0);
        var body = contentLength is > 0 and <= 65536 && buffer.Length - _request.Length >= contentLength ? contentLength : 0;
        var host = HeaderValue(head, _request.Host);
        var need = head.Length + fast.PathPrefix.Length + fast.HostHeader.Length + _forwardedFor.Length + host.Length + 64 + (int)body;
        if (_send.Length < need)
        {
            ReturnArray(_send);
            _send = ArrayPool<byte>.Shared.Rent(need);
        }
        var w = _send.AsSpan();
        var n = 0;
        Append(w, ref n, head[.._request.MethodLength]);
        Append(w, ref n, " "u8);
        Append(w, ref n, fast.PathPrefix);
        Append(w, ref n, head.Slice(_request.TargetStart, _request.TargetLength));
        Append(w, ref n, " HTTP/1.1\r\nHost: "u8);
        Append(w, ref n, fast.HostHeader);
        Append(w, ref n, "\r\n"u8);
        for (var i = 0; i < _request.HeaderCount; i++)
        {
            if (_request.Kinds[i] == RequestHeaderKind.Forward)
            {
                var h = _request.Headers[i];
                Append(w, ref n, head[h.NameStart..(h.ValueStart + h.ValueLength)]);
                Append(w, ref n, "\r\n"u8);
            }
        }
        Append(w, ref n, _forwardedFor);
        Append(w, ref n, "X-Forwarded-Host: "u8);
        Append(w, ref n, host);
        Append(w, ref n, "\r\n\r\n"u8);
        if (body > 0)
        {
            buffer.Slice(_request.Length, body).CopyTo(w[n..]);
            n += (int)body;
        }
        return (n, body);
    }

    private static void Append(Span<byte> to, ref int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(to[at..]);
        at += bytes.Length;
    }

    /// <summary>Relays the backend's response head(s) and body to the client.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Relay> RelayAsync(BackendConnection b, bool close)
    {
        _closeAfter = false;
        var started = false;
        while (true)
        {
            int headLength;
            while ((headLength = Http1RequestHead.FindEnd(b.Buffer.AsSpan(b.Start, b.End - b.Start))) < 0)
            {
                if (b.End == b.Buffer.Length)
                {
                    if (b.Start == 0)
                    {
                        // A response head over 16 KB.
                        return started ? Relay.FailedAfterStart : Relay.FailedBeforeResponse;
                    }
                    b.Buffer.AsSpan(b.Start, b.End - b.Start).CopyTo(b.Buffer);
                    (b.Start, b.End) = (0, b.End - b.Start);
                }
                Enter(Phase.Backend, (long)_route!.ActivityTimeout.TotalMilliseconds);
                var n = await ReceiveAsync(b, b.Buffer.AsMemory(b.End));
                if (n <= 0)
                {
                    return started ? Relay.FailedAfterStart : Relay.FailedBeforeResponse;
                }
                b.End += n;
            }
            if (!_response.TryParse(b.Buffer.AsSpan(b.Start, headLength), _isHead) || _response.Status == 101)
            {
                return started ? Relay.FailedAfterStart : Relay.FailedBeforeResponse;
            }
            _status = _response.Status;
            _closeAfter = _response.Framing == BodyFraming.UntilClose;
            WriteResponseHead(b.Buffer.AsSpan(b.Start, headLength), _response.Status >= 200 && (close || _closeAfter));
            b.Start += headLength;
            started = true;
            if (_response.Status >= 200)
            {
                return await RelayBodyAsync(b);
            }
            // An interim response (103 Early Hints, ...): passed on, then the final one follows.
            if (!await FlushClientAsync())
            {
                return Relay.ClientGone;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Relay> RelayBodyAsync(BackendConnection b)
    {
        var reusable = _response.Reusable;
        switch (_response.Framing)
        {
            case BodyFraming.ContentLength:
                var left = _response.ContentLength;
                var here = (int)Math.Min(left, b.End - b.Start);
                _output.Write(b.Buffer.AsSpan(b.Start, here));
                (b.Start, left, _responseBytes) = (b.Start + here, left - here, here);
                while (left > 0)
                {
                    if (!await FlushClientAsync())
                    {
                        return Relay.ClientGone;
                    }
                    var memory = _output.GetMemory(8192);
                    var n = await ReceiveAsync(b, memory[..(int)Math.Min(left, memory.Length)]);
                    if (n <= 0)
                    {
                        return Relay.FailedAfterStart;
                    }
                    _output.Advance(n);
                    (left, _responseBytes) = (left - n, _responseBytes + n);
                }
                break;
            case BodyFraming.Chunked:
                var relay = await RelayChunkedAsync(b);
                if (relay is not Relay.Reusable)
                {
                    return relay;
                }
                break;
            case BodyFraming.UntilClose:
                _output.Write(b.Buffer.AsSpan(b.Start, b.End - b.Start));
                (_responseBytes, b.Start) = (b.End - b.Start, b.End);
                while (true)
                {
                    if (!await FlushClientAsync())
                    {
                        return Relay.ClientGone;
                    }
                    var memory = _output.GetMemory(8192);
                    var n = await ReceiveAsync(b, memory);
                    if (n <= 0)
                    {
                        break;
                    }
                    _output.Advance(n);
                    _responseBytes += n;
                }
                break;
        }
        if (!await FlushClientAsync())
        {
            return Relay.ClientGone;
        }
        return reusable && b.Start == b.End ? Relay.Reusable : Relay.Done;
    }

    /// <summary>Relays a chunked body as it comes, framing and trailers included; Reusable means the body ended where the bytes did.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Relay> RelayChunkedAsync(BackendConnection b)
    {
        var reusable = true;
        _chunks.Reset();
        var scanned = _chunks.Scan(b.Buffer.AsSpan(b.Start, b.End - b.Start));
        if (scanned < 0)
        {
            return Relay.FailedAfterStart;
        }
        _output.Write(b.Buffer.AsSpan(b.Start, scanned));
        b.Start += scanned;
        while (!_chunks.Done)
        {
            if (!await FlushClientAsync())
            {
                return Relay.ClientGone;
            }
            var memory = _output.GetMemory(8192);
            var n = await ReceiveAsync(b, memory);
            var used = n <= 0 ? -1 : _chunks.Scan(memory.Span[..n]);
            if (used < 0)
            {
                return Relay.FailedAfterStart;
            }
            _output.Advance(used);
            // Bytes after the body's end: the connection is out of step, not reused.
            reusable &= used == n;
        }
        // Counted as the YARP path counts it: the body, not its chunk framing.
        _responseBytes = _chunks.DataBytes;
        return reusable ? Relay.Reusable : Relay.Done;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveAsync(BackendConnection b, Memory<byte> into)
    {
        Enter(Phase.Backend, (long)_route!.ActivityTimeout.TotalMilliseconds);
        try
        {
            return await b.Socket.ReceiveAsync(into, SocketFlags.None);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return -1;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FlushClientAsync()
    {
        Enter(Phase.Writing, (long)_route!.ActivityTimeout.TotalMilliseconds);
        try
        {
            var result = await _output.FlushAsync();
            return !result.IsCompleted && !result.IsCanceled;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            return false;
        }
    }

    private void WriteResponseHead(ReadOnlySpan<byte> head, bool close)
    {
        var w = _output.GetSpan(head.Length + 32);
        var n = 0;
        Append(w, ref n, "HTTP/1.1 "u8);
        Append(w, ref n, head[_response.StatusStart.._response.StatusLineLength]);
        Append(w, ref n, "\r\n"u8);
        for (var i = 0; i < _response.HeaderCount; i++)
        {
            if (!_response.Drop[i])
            {
                var h = _response.Headers[i];
                Append(w, ref n, head[h.NameStart..(h.ValueStart + h.ValueLength)]);
                Append(w, ref n, "\r\n"u8);
            }
        }
        Append(w, ref n, close ? "Connection: close\r\n\r\n"u8 : "\r\n"u8);
        _output.Advance(n);
    }

    /// <summary>An error answer of the proxy itself (no backend response); false when the connection must close.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> RespondErrorAsync(int status, ForwarderError error, bool close)
    {
        (_status, _errorKind) = (status, error);
        _output.Write(status switch
        {
            503 => "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"u8,
            504 => "HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0\r\n"u8,
            _ => "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"u8,
        });
        _output.Write(close ? "Connection: close\r\n\r\n"u8 : "\r\n"u8);
        return await FlushClientAsync() && !close;
    }
}
