using System.Buffers;
using System.Runtime.CompilerServices;
using System.Diagnostics;
using System.Net.Sockets;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7.FastPath;

internal sealed partial class FastConnection
{
    /// <summary>How relaying a backend's response ended.</summary>
    private enum Relay { Reusable, Done, FailedBeforeResponse, FailedAfterStart, ClientGone }

    private int _status;
    private DestinationState? _destination;
    private ForwarderError? _errorKind;
    private long _responseBytes;

    /// <summary>Forwards one request and relays its response; false ends the client connection.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ExchangeAsync(ReadOnlySequence<byte> buffer)
    {
        var route = _route!;
        var cluster = route.Cluster!;
        var started = Stopwatch.GetTimestamp();
        _owner.Forwarded.Inc();
        var drain = _owner.Drain;
        if (drain.Draining)
        {
            drain.NoteRequest();
        }
        var close = _request.Close || _closeRequested || drain.Draining;
        (_status, _destination, _errorKind, _responseBytes) = (0, null, null, 0);
        route.Children.Active.Inc();
        try
        {
            return await ForwardAsync(buffer, route, close) && !close && !_closeAfter;
        }
        finally
        {
            route.Children.Duration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            // A client that left before its response: counted as 499, like a client-side close in nginx.
            _owner.Metrics.CountRequest(route.RouteId, cluster.ClusterId, _destination?.DestinationId ?? "", _status == 0 ? 499 : _status);
            if (_errorKind is { } error)
            {
                _owner.Metrics.CountError(cluster.ClusterId, error);
            }
            // Last, as in L7Metrics.RecordAsync: no active request means every finished one is counted.
            route.Children.Active.Dec();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ForwardAsync(ReadOnlySequence<byte> buffer, FastRoute route, bool close)
    {
        List<DestinationState>? failed = null;
        for (var attempt = 0; ; attempt++)
        {
            var destination = Pick(route, failed);
            if (destination is null)
            {
                return await RejectAsync(buffer, failed is null ? 503 : 502, failed is null ? ForwarderError.NoAvailableDestinations : ForwarderError.Request, close);
            }
            _destination = destination;
            var fast = _owner.Destinations.For(destination);
            // A request that cannot be sent twice always gets a pooled connection checked first (one system call).
            var backend = fast.RentIdle(_retryable ? _owner.IdleCheckAfterMs : 0);
            if (backend is null)
            {
                var connectStarted = Stopwatch.GetTimestamp();
                backend = await TryConnectAsync(fast, route);
                if (backend is null)
                {
                    Report(route, destination, ForwarderError.Request, connectStarted, connectFailure: true);
                    if (_retryable && attempt < _owner.ConnectRetries)
                    {
                        (failed ??= []).Add(destination);
                        continue;
                    }
                    return await RejectAsync(buffer, 502, ForwarderError.Request, close);
                }
            }
            _backend = backend;
            return await SendAndRelayAsync(buffer, route, fast, destination, close);
        }
    }

    /// <summary>Answers a request that reached no backend; its body, if any, is not read, so the connection closes.</summary>
    private ValueTask<bool> RejectAsync(ReadOnlySequence<byte> buffer, int status, ForwarderError error, bool close)
    {
        _input.AdvanceTo(buffer.GetPosition(_request.Length));
        return RespondErrorAsync(status, error, close || _request.ContentLength > 0);
    }

    private DestinationState? Pick(FastRoute route, List<DestinationState>? failed)
    {
        var cluster = route.Cluster!;
        IReadOnlyList<DestinationState> available = cluster.DestinationsState.AvailableDestinations;
        if (failed is not null)
        {
            available = available.Where(d => !failed.Contains(d)).ToList();
        }
        return available.Count switch
        {
            0 => null,
            1 => available[0],
            _ => route.Balancing!.PickDestination(_policyContext, cluster, available),
        };
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BackendConnection?> TryConnectAsync(FastDestination fast, FastRoute route)
    {
        Enter(Phase.Connect, (long)route.ActivityTimeout.TotalMilliseconds);
        using var timeout = new CancellationTokenSource(route.ActivityTimeout);
        try
        {
            return await fast.ConnectAsync(timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return null;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> SendAndRelayAsync(ReadOnlySequence<byte> buffer, FastRoute route, FastDestination fast, DestinationState destination, bool close)
    {
        var (length, bodyInSend) = Compose(buffer, fast);
        var bodyLeft = Math.Max(_request.ContentLength, 0) - bodyInSend;
        _input.AdvanceTo(buffer.GetPosition(_request.Length + bodyInSend));
        FastDestinations.Started(destination);
        var started = Stopwatch.GetTimestamp();
        ForwarderError? error = null;
        try
        {
            for (var fresh = false; ; fresh = true)
            {
                var backend = _backend!;
                var relay = await SendAsync(backend, length) && (bodyLeft == 0 || await CopyBodyAsync(backend, bodyLeft))
                    ? await RelayAsync(backend, close) : Relay.FailedBeforeResponse;
                if (relay == Relay.FailedBeforeResponse && backend.Reused && _retryable && !fresh && !_timedOut)
                {
                    // The backend closed a pooled connection as we used it: the request never reached it, send it on a new one.
                    DropBackend();
                    _backend = await TryConnectAsync(fast, route);
                    if (_backend is not null)
                    {
                        continue;
                    }
                }
                switch (relay)
                {
                    case Relay.Reusable:
                        fast.Return(backend);
                        _backend = null;
                        return true;
                    case Relay.Done:
                        DropBackend();
                        return true;
                    case Relay.FailedBeforeResponse:
                        DropBackend();
                        error = _timedOut ? ForwarderError.RequestTimedOut : ForwarderError.Request;
                        _timedOut = false;
                        return await RespondErrorAsync(error == ForwarderError.RequestTimedOut ? 504 : 502, error.Value, close || bodyLeft > 0);
                    case Relay.FailedAfterStart:
                        DropBackend();
                        error = ForwarderError.ResponseBodyDestination;
                        _errorKind = error;
                        _connection.Abort();
                        return false;
                    default:
                        DropBackend();
                        error = ForwarderError.ResponseBodyClient;
                        _errorKind = error;
                        return false;
                }
            }
        }
        finally
        {
            FastDestinations.Finished(destination);
            Report(route, destination, error, started, connectFailure: false, Math.Max(_request.ContentLength, 0));
        }
    }

    private void DropBackend()
    {
        _backend?.Dispose();
        _backend = null;
    }

    /// <summary>One attempt for the status page's traffic and for passive health, as YARP's pipeline reports it.</summary>
    private void Report(FastRoute route, DestinationState destination, ForwarderError? error, long started, bool connectFailure, long requestBytes = 0)
    {
        var cluster = route.Cluster!;
        _owner.Traffic.For(cluster.ClusterId, destination.DestinationId).Record(connectFailure ? 502 : _status == 0 ? 499 : _status, connectFailure,
            requestBytes, _responseBytes, Stopwatch.GetElapsedTime(started));
        if (route.PassiveHealth is { } passive)
        {
            if (error is { } kind)
            {
                _error.Error = kind;
                _policyContext.Features.Set<IForwarderErrorFeature>(_error);
            }
            passive.RequestProxied(_policyContext, cluster, destination);
            if (error is not null)
            {
                _policyContext.Features.Set<IForwarderErrorFeature>(null);
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> SendAsync(BackendConnection backend, int length)
    {
        Enter(Phase.Backend, (long)_route!.ActivityTimeout.TotalMilliseconds);
        try
        {
            var data = _send.AsMemory(0, length);
            while (!data.IsEmpty)
            {
                data = data[await backend.Socket.SendAsync(data, SocketFlags.None)..];
            }
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Copies the rest of a Content-Length body from the client to the backend.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> CopyBodyAsync(BackendConnection backend, long left)
    {
        while (left > 0)
        {
            Enter(Phase.Body, (long)_route!.ActivityTimeout.TotalMilliseconds);
            var result = await _input.ReadAsync();
            var buffer = result.Buffer;
            var take = buffer.Slice(0, Math.Min(left, buffer.Length));
            try
            {
                foreach (var segment in take)
                {
                    var data = segment;
                    while (!data.IsEmpty)
                    {
                        data = data[await backend.Socket.SendAsync(data, SocketFlags.None)..];
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                _input.AdvanceTo(take.End);
                return false;
            }
            _input.AdvanceTo(take.End);
            left -= take.Length;
            if (left > 0 && (result.IsCompleted || result.IsCanceled))
            {
                return false;
            }
        }
        return true;
    }
}
