using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace LoadBalancer.Balancer.L7.FastPath;

/// <summary>
/// A client connection accepted by the fast path's own listener while the fast path serves it: the socket with a
/// <see cref="SocketInput"/> and a <see cref="SocketOutput"/> as its transport. Abort closes the socket (a pending
/// receive or send then ends); a close request (drain, shutdown) reaches the fast path through
/// <see cref="IConnectionLifetimeNotificationFeature"/>, as on Kestrel's connections.
/// </summary>
internal sealed class OwnSocketConnection : ConnectionContext, IConnectionLifetimeNotificationFeature, IDuplexPipe
{
    private static long s_ids;
    private readonly CancellationTokenSource _closeRequested = new();
    private readonly FeatureCollection _features = new(1);
    private IDictionary<object, object?>? _items;
    private string? _id;
    private int _aborted;

    public OwnSocketConnection(Socket socket)
    {
        Socket = socket;
        Input = new SocketInput(socket);
        Output = new SocketOutput(socket);
        RemoteEndPoint = socket.RemoteEndPoint;
        LocalEndPoint = socket.LocalEndPoint;
        _features.Set<IConnectionLifetimeNotificationFeature>(this);
        Transport = this;
    }

    public Socket Socket { get; }

    public SocketInput Input { get; }

    public SocketOutput Output { get; }

    PipeReader IDuplexPipe.Input => Input;

    PipeWriter IDuplexPipe.Output => Output;

    public override IDuplexPipe Transport { get; set; }

    public override string ConnectionId
    {
        get => _id ??= "fast-" + Interlocked.Increment(ref s_ids).ToString(System.Globalization.CultureInfo.InvariantCulture);
        set => _id = value;
    }

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public bool Aborted => Volatile.Read(ref _aborted) != 0;

    public CancellationToken ConnectionClosedRequested
    {
        get => _closeRequested.Token;
        set => throw new NotSupportedException();
    }

    public void RequestClose()
    {
        try
        {
            _closeRequested.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            Socket.Dispose();
        }
    }

    /// <summary>Returns the buffers; the socket stays open (it may go on to Kestrel).</summary>
    public override ValueTask DisposeAsync()
    {
        _closeRequested.Dispose();
        Input.Dispose();
        Output.Dispose();
        return ValueTask.CompletedTask;
    }
}
