using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoadBalancer.Balancer.L7.FastPath;

/// <summary>
/// Kestrel's transport for the listeners the fast path serves on its own sockets
/// (<c>Balancer:Tuning:Http1FastPathOwnSockets</c>): it binds only those endpoints (Kestrel's socket transport keeps
/// the others) and makes the listen socket as Kestrel would (SO_REUSEPORT, backlog, no-delay).
/// </summary>
internal sealed class OwnSocketsTransport(Http1FastPath fastPath, IServiceProvider services) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    /// <summary>The listen options' own endpoint objects: two listeners on port 0 of one address are equal by value.</summary>
    public bool CanBind(EndPoint endpoint) => fastPath.OwnSocketEndpoints.Contains(endpoint);

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var options = services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        Socket socket;
        try
        {
            socket = options.CreateBoundListenSocket(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // As Kestrel's socket transport: Kestrel then names the address in its error.
            throw new AddressInUseException(e.Message, e);
        }
        try
        {
            socket.Listen(options.Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var kestrel = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions
        {
            IOQueueCount = options.IOQueueCount,
            WaitForDataBeforeAllocatingBuffer = options.WaitForDataBeforeAllocatingBuffer,
            MaxReadBufferSize = options.MaxReadBufferSize,
            MaxWriteBufferSize = options.MaxWriteBufferSize,
            UnsafePreferInlineScheduling = options.UnsafePreferInlineScheduling,
        }, services.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
        return new(new OwnSocketsListener(fastPath, socket, kestrel, options.NoDelay));
    }
}

/// <summary>
/// A listener whose connections the fast path serves straight on their sockets, with no Kestrel transport under them;
/// Kestrel accepts (through <see cref="AcceptAsync"/>) only the connections the fast path hands over: at once when the
/// fast path is off for the config, else at the first request it leaves to Kestrel and YARP. Such a connection is
/// Kestrel's own socket connection (with the bytes already taken put back in front, <see cref="HandedOverConnection"/>),
/// so Kestrel's connection middleware, limits and protocols apply to it as on any listener.
/// </summary>
internal sealed class OwnSocketsListener : IConnectionListener
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);
    private readonly Http1FastPath _fastPath;
    private readonly Socket _listen;
    private readonly SocketConnectionContextFactory _kestrel;
    private readonly bool _noDelay;
    private readonly Channel<ConnectionContext> _handed = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<OwnSocketConnection, byte> _open = new();
    private readonly Task _accepting;
    private volatile bool _unbound;

    public OwnSocketsListener(Http1FastPath fastPath, Socket listen, SocketConnectionContextFactory kestrel, bool noDelay)
    {
        _fastPath = fastPath;
        _listen = listen;
        _kestrel = kestrel;
        _noDelay = noDelay;
        EndPoint = listen.LocalEndPoint!;
        _accepting = AcceptLoopAsync();
    }

    public EndPoint EndPoint { get; }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _handed.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    private async Task AcceptLoopAsync()
    {
        // Off the caller's thread: Kestrel's bind does not wait for the first connection.
        await Task.Yield();
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listen.AcceptAsync();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                // Reset by the client while in the backlog: the next one.
                continue;
            }
            catch (Exception e) when (e is ObjectDisposedException || e is SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted })
            {
                // The listen socket was closed (shutdown, or the ReusePortListeners closing it first).
                return;
            }
            catch (SocketException) when (!_unbound)
            {
                // Out of descriptors or buffers for a moment: accepting goes on after a pause, as long as the listener is bound.
                await Task.Delay(10);
                continue;
            }
            catch (SocketException)
            {
                return;
            }
            Serve(socket);
        }
    }

    private void Serve(Socket socket)
    {
        if (_unbound)
        {
            Close(socket);
            return;
        }
        try
        {
            socket.NoDelay = _noDelay;
        }
        catch (SocketException)
        {
            // Already reset by the client.
        }
        if (!_fastPath.Serving)
        {
            HandOver(socket, []);
            return;
        }
        if (_fastPath.OverConnectionLimit)
        {
            // Balancer:Limits:MaxConcurrentConnections, counted over both transports (Kestrel closes such a connection too).
            Close(socket);
            return;
        }
        _ = RunAsync(new OwnSocketConnection(socket));
    }

    private async Task RunAsync(OwnSocketConnection connection)
    {
        _open.TryAdd(connection, 0);
        var handOver = false;
        _fastPath.Drain.Opened();
        try
        {
            handOver = await _fastPath.ServeAsync(connection, ownSockets: true);
        }
        catch (Exception e)
        {
            // A bug, not the client (ServeAsync takes the connection's own failures): logged as Kestrel logs a failed connection; the socket is closed below.
            _fastPath.ConnectionFailed(e);
        }
        finally
        {
            _fastPath.Drain.Closed();
            _open.TryRemove(connection, out _);
        }
        if (handOver && !connection.Aborted && !_unbound)
        {
            HandOver(connection.Socket, connection.Input.Untouched ? [] : connection.Input.Unconsumed());
        }
        else
        {
            Close(connection.Socket);
        }
        await connection.DisposeAsync();
    }

    private void HandOver(Socket socket, byte[] received)
    {
        ConnectionContext connection;
        try
        {
            connection = _kestrel.Create(socket);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Close(socket);
            return;
        }
        if (received.Length > 0)
        {
            connection = new HandedOverConnection(connection, received);
        }
        if (!_handed.Writer.TryWrite(connection))
        {
            _ = connection.DisposeAsync();
        }
    }

    private static void Close(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        socket.Dispose();
    }

    /// <summary>Kestrel stops: no new connection; the ones the fast path serves are asked to close (idle ones end now, busy ones after their response).</summary>
    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbound = true;
        _listen.Dispose();
        await _accepting;
        _handed.Writer.TryComplete();
        foreach (var c in _open.Keys)
        {
            c.RequestClose();
        }
    }

    /// <summary>After Kestrel's own connections: waits a little for the fast path's, then closes what is left.</summary>
    public async ValueTask DisposeAsync()
    {
        await UnbindAsync();
        var deadline = Environment.TickCount64 + (long)CloseGrace.TotalMilliseconds;
        while (!_open.IsEmpty && Environment.TickCount64 < deadline)
        {
            await Task.Delay(20);
        }
        foreach (var c in _open.Keys)
        {
            c.Abort();
        }
        while (_handed.Reader.TryRead(out var left))
        {
            await left.DisposeAsync();
        }
        _kestrel.Dispose();
    }
}
