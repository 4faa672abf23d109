using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7.FastPath;

/// <summary>One keep-alive connection to a backend, with the buffer its response heads are read into.</summary>
internal sealed class BackendConnection : IDisposable
{
    public const int BufferSize = 16384;

    private BackendConnection(Socket socket)
    {
        Socket = socket;
        Buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    public Socket Socket { get; }
    public byte[] Buffer { get; private set; }
    /// <summary>Received bytes not yet used: Buffer[Start..End].</summary>
    public int Start;
    public int End;
    /// <summary>When it went back to the pool (Environment.TickCount64).</summary>
    public long IdleSince;
    /// <summary>It carried a request before this one.</summary>
    public bool Reused;

    public static async ValueTask<BackendConnection> ConnectAsync(EndPoint endPoint, CancellationToken ct)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, ct);
            return new BackendConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A pooled connection that the backend closed (or that has unexpected bytes) must not be used.</summary>
    public bool LooksAlive()
    {
        try
        {
            return !Socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        Socket.Dispose();
        if (Buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = [];
        }
    }
}

/// <summary>
/// A destination as the fast path sends to it: its endpoint, the Host header and path prefix of its address, and a
/// pool of idle keep-alive connections (most recently used first, so spare ones age out).
/// </summary>
internal sealed class FastDestination
{
    private readonly Stack<BackendConnection> _idle = new();
    private readonly string _host;
    private readonly int _port;
    private EndPoint? _endPoint;

    public FastDestination(DestinationModel model)
    {
        var uri = new Uri(model.Config.Address);
        _host = uri.IdnHost;
        _port = uri.Port;
        if (IPAddress.TryParse(_host.Trim('[', ']'), out var ip))
        {
            _endPoint = new IPEndPoint(ip, _port);
        }
        HostHeader = Encoding.ASCII.GetBytes(model.Config.Host ?? uri.Authority);
        PathPrefix = Encoding.ASCII.GetBytes(uri.AbsolutePath.TrimEnd('/'));
    }

    public byte[] HostHeader { get; }
    public byte[] PathPrefix { get; }

    public BackendConnection? RentIdle(long idleCheckAfterMs)
    {
        while (true)
        {
            BackendConnection? c;
            lock (_idle)
            {
                if (!_idle.TryPop(out c))
                {
                    return null;
                }
            }
            // Used within the last moment: no backend idle timeout is that short, skip the check (a system call).
            if (Environment.TickCount64 - c.IdleSince < idleCheckAfterMs || c.LooksAlive())
            {
                c.Reused = true;
                return c;
            }
            c.Dispose();
        }
    }

    public async ValueTask<BackendConnection> ConnectAsync(CancellationToken ct)
    {
        var endPoint = _endPoint ??= new IPEndPoint((await Dns.GetHostAddressesAsync(_host, ct))[0], _port);
        return await BackendConnection.ConnectAsync(endPoint, ct);
    }

    public void Return(BackendConnection connection)
    {
        connection.IdleSince = Environment.TickCount64;
        connection.Start = connection.End = 0;
        lock (_idle)
        {
            _idle.Push(connection);
        }
    }

    /// <summary>Closes connections idle for longer than <paramref name="idleTimeoutMs"/>.</summary>
    public void CloseIdle(long idleTimeoutMs)
    {
        var now = Environment.TickCount64;
        List<BackendConnection>? old = null;
        lock (_idle)
        {
            if (_idle.Count == 0 || now - _idle.Last().IdleSince < idleTimeoutMs)
            {
                return;
            }
            var keep = _idle.Where(c => now - c.IdleSince < idleTimeoutMs).Reverse().ToList();
            old = _idle.Where(c => now - c.IdleSince >= idleTimeoutMs).ToList();
            _idle.Clear();
            keep.ForEach(_idle.Push);
        }
        old.ForEach(c => c.Dispose());
    }
}

/// <summary>The fast path's view of YARP's destinations: their pools, and YARP's in-flight counter (which the least-requests and power-of-two policies read).</summary>
internal sealed class FastDestinations
{
    private readonly ConditionalWeakTable<DestinationModel, FastDestination> _byModel = new();
    private readonly List<WeakReference<FastDestination>> _all = [];

    public FastDestination For(DestinationState destination)
    {
        var model = destination.Model;
        if (_byModel.TryGetValue(model, out var known))
        {
            return known;
        }
        lock (_all)
        {
            var created = _byModel.GetValue(model, m => new FastDestination(m));
            _all.Add(new WeakReference<FastDestination>(created));
            return created;
        }
    }

    /// <summary>Closes idle connections past the timeout, and forgets destinations the config no longer has.</summary>
    public void CloseIdle(long idleTimeoutMs)
    {
        lock (_all)
        {
            _all.RemoveAll(w => !w.TryGetTarget(out _));
            foreach (var w in _all)
            {
                if (w.TryGetTarget(out var d))
                {
                    d.CloseIdle(idleTimeoutMs);
                }
            }
        }
    }

    public static void Started(DestinationState destination) => Increment(Counter(destination));

    public static void Finished(DestinationState destination) => Decrement(Counter(destination));

    private const string CounterType = "Yarp.ReverseProxy.Utilities.AtomicCounter, Yarp.ReverseProxy";

    // YARP counts in-flight requests per destination with an internal atomic counter; the public setter is not atomic.
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_ConcurrencyCounter")]
    [return: UnsafeAccessorType(CounterType)]
    private static extern object Counter(DestinationState destination);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "Increment")]
    private static extern int Increment([UnsafeAccessorType(CounterType)] object counter);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "Decrement")]
    private static extern int Decrement([UnsafeAccessorType(CounterType)] object counter);
}
