using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace LoadBalancer.Balancer.L7.FastPath;

/// <summary>
/// One client connection on the fast path: reads each request head from Kestrel's transport, and either forwards the
/// request itself (plain HTTP/1.1 on a route the fast path serves) or leaves the connection, from that request on, to
/// Kestrel and YARP: nothing of that request is consumed, so Kestrel reads it as the connection's first.
/// </summary>
internal sealed partial class FastConnection : IDisposable
{
    private enum Phase { Idle, Head, Body, Connect, Backend, Writing }

    private enum Prepared { NeedMore, HandOver, Forward }

    private readonly Http1FastPath _owner;
    private readonly ConnectionContext _connection;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Http1RequestHead _request = new();
    private readonly Http1ResponseHead _response = new();
    private readonly DefaultHttpContext _policyContext = new();
    private readonly ErrorFeature _error = new();
    private readonly byte[] _forwardedFor;
    private readonly CancellationTokenRegistration _closeRequestedRegistration;
    private byte[] _headCopy = [];
    private byte[] _send = ArrayPool<byte>.Shared.Rent(8192);
    private FastRoute? _route;
    private bool _retryable;
    private bool _isHead;
    private volatile Phase _phase;
    private long _deadline;
    private volatile bool _closeRequested;
    private volatile bool _timedOut;
    private BackendConnection? _backend;

    public FastConnection(Http1FastPath owner, ConnectionContext connection)
    {
        _owner = owner;
        _connection = connection;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
        var client = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        _forwardedFor = Encoding.ASCII.GetBytes((client is null ? "" : $"X-Forwarded-For: {client}\r\n") + "X-Forwarded-Proto: http\r\n");
        if (connection.Features.Get<IConnectionLifetimeNotificationFeature>() is { } lifetime)
        {
            _closeRequestedRegistration = lifetime.ConnectionClosedRequested.UnsafeRegister(static s => ((FastConnection)s!).OnCloseRequested(), this);
        }
    }

    private void OnCloseRequested()
    {
        _closeRequested = true;
        if (_phase is Phase.Idle)
        {
            _input.CancelPendingRead();
        }
    }

    /// <summary>Serves requests until the connection ends (false) or a request is for Kestrel and YARP (true).</summary>
    public async Task<bool> RunAsync()
    {
        Enter(Phase.Idle, _owner.KeepAliveTimeoutMs);
        while (true)
        {
            var result = await _input.ReadAsync();
            var buffer = result.Buffer;
            if (buffer.IsEmpty && (result.IsCompleted || result.IsCanceled))
            {
                _input.AdvanceTo(buffer.End);
                return false;
            }
            switch (Prepare(buffer))
            {
                case Prepared.HandOver:
                    _input.AdvanceTo(buffer.Start);
                    return true;
                case Prepared.NeedMore when result.IsCompleted:
                    _input.AdvanceTo(buffer.End);
                    return false;
                case Prepared.NeedMore:
                    if (buffer.Length > _owner.MaxHeadBytes)
                    {
                        // Kestrel answers 431.
                        _input.AdvanceTo(buffer.Start);
                        return true;
                    }
                    if (_phase == Phase.Idle)
                    {
                        Enter(Phase.Head, _owner.RequestHeadersTimeoutMs);
                    }
                    _input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
            }
            if (!await ExchangeAsync(buffer))
            {
                return false;
            }
            // Waiting for the next request: the keep-alive timeout, until its first bytes come (then the head's).
            Enter(Phase.Idle, _owner.KeepAliveTimeoutMs);
        }
    }

    /// <summary>Parses and routes the head at the start of <paramref name="buffer"/>.</summary>
    private Prepared Prepare(in ReadOnlySequence<byte> buffer)
    {
        var head = HeadSpan(buffer);
        if (head.IsEmpty)
        {
            return Prepared.NeedMore;
        }
        var table = _owner.Table;
        if (!table.Enabled || _closeRequested || !_request.TryParse(head))
        {
            return Prepared.HandOver;
        }
        var method = head[.._request.MethodLength];
        var path = head.Slice(_request.TargetStart, _request.PathLength);
        var host = HeaderValue(head, _request.Host);
        _route = table.Match(method, path, host);
        if (_route?.Cluster is null || _request.ContentLength > _route.MaxBodySize)
        {
            // No route (YARP answers 404), a route with features left to YARP, or a body over the limit (413).
            return Prepared.HandOver;
        }
        _isHead = method.SequenceEqual("HEAD"u8);
        _retryable = _request.ContentLength <= 0 && (method.SequenceEqual("GET"u8) || _isHead || method.SequenceEqual("OPTIONS"u8)
            || method.SequenceEqual("DELETE"u8) || method.SequenceEqual("TRACE"u8));
        return Prepared.Forward;
    }

    /// <summary>The complete request head at the start of the buffer (copied when it spans segments), or empty.</summary>
    private ReadOnlySpan<byte> HeadSpan(in ReadOnlySequence<byte> buffer)
    {
        var first = buffer.FirstSpan;
        var end = Http1RequestHead.FindEnd(first);
        if (end > 0)
        {
            return first[..end];
        }
        if (buffer.IsSingleSegment)
        {
            return [];
        }
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8))
        {
            return [];
        }
        var length = (int)reader.Consumed;
        if (_headCopy.Length < length)
        {
            ReturnArray(_headCopy);
            _headCopy = ArrayPool<byte>.Shared.Rent(length);
        }
        buffer.Slice(0, length).CopyTo(_headCopy);
        return _headCopy.AsSpan(0, length);
    }

    private ReadOnlySpan<byte> HeaderValue(ReadOnlySpan<byte> head, int index) =>
        index < 0 ? [] : head.Slice(_request.Headers[index].ValueStart, _request.Headers[index].ValueLength);

    private void Enter(Phase phase, long timeoutMs)
    {
        _phase = phase;
        Volatile.Write(ref _deadline, Environment.TickCount64 + timeoutMs);
    }

    /// <summary>Called every second by the fast path's heartbeat: ends what has waited past its timeout.</summary>
    public void CheckTimeout(long now)
    {
        if (now < Volatile.Read(ref _deadline))
        {
            return;
        }
        if (_phase is Phase.Backend)
        {
            // The backend did not answer in time: the exchange sees its socket closed and answers 504.
            _timedOut = true;
            Volatile.Read(ref _backend)?.Socket.Dispose();
        }
        else if (_phase is not Phase.Connect)
        {
            // An idle keep-alive connection, a slow head or body, or a client that stopped reading.
            _connection.Abort(new ConnectionAbortedException("fast path timeout"));
        }
    }

    public void Dispose()
    {
        _closeRequestedRegistration.Dispose();
        _backend?.Dispose();
        _backend = null;
        ReturnArray(_headCopy);
        ReturnArray(_send);
        _headCopy = _send = [];
    }

    private static void ReturnArray(byte[] array)
    {
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private sealed class ErrorFeature : IForwarderErrorFeature
    {
        public ForwarderError Error { get; set; }
        public Exception? Exception { get; set; }
    }
}
