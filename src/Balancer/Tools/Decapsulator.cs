using System.Buffers.Binary;
using System.Net.Sockets;
using LoadBalancer.Balancer.L4.Interop;

namespace LoadBalancer.Balancer.Tools;

/// <summary>
/// Backend-side tunnel agent for kernels without the ipip module: reads IP-in-IP packets from a raw socket for IP
/// protocol 4, strips the outer IPv4 header and writes the inner packet to a TUN device, where the kernel receives
/// it as if it had arrived on that interface.
/// </summary>
/// <remarks>Call <see cref="Start"/> on a thread in the backend's network namespace; socket and TUN stay bound to it.</remarks>
public sealed class Decapsulator : IDisposable
{
    private const int MinIpv4Header = 20;

    private readonly DecapOptions _options;
    private Socket? _socket;
    private TunDevice? _tun;
    private Thread? _thread;
    private volatile bool _stopping;
    private long _received;
    private long _decapsulated;
    private long _malformed;
    private long _writeErrors;

    /// <summary>Creates a stopped decapsulator.</summary>
    public Decapsulator(DecapOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>The TUN device name in use.</summary>
    public string TunName => _options.TunName;

    /// <summary>Current counters.</summary>
    public DecapCounters Counters => new(
        Interlocked.Read(ref _received),
        Interlocked.Read(ref _decapsulated),
        Interlocked.Read(ref _malformed),
        Interlocked.Read(ref _writeErrors));

    /// <summary>Opens the raw socket and the TUN device (brought up, rp_filter 0) and starts the receive thread.</summary>
    /// <exception cref="InvalidOperationException">A system call failed (not root, no /dev/net/tun...).</exception>
    public void Start()
    {
        if (_thread is not null)
        {
            throw new InvalidOperationException("decapsulator already started");
        }

        try
        {
            _tun = TunDevice.Open(_options.TunName);
            DisableReversePathFilter(_options.TunName);

            // .NET refuses SocketType.Raw with protocol 4; libc does not, and Socket can wrap the descriptor.
            int fd = Libc.Socket(Libc.AfInet, Libc.SockRaw, Libc.IpProtoIpip);
            if (fd < 0)
            {
                throw new InvalidOperationException($"socket(AF_INET, SOCK_RAW, 4) failed: {Libc.LastErrorText()}");
            }

            _socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        }
        catch
        {
            CloseAll();
            throw;
        }

        _thread = new Thread(ReceiveLoop) { IsBackground = true, Name = $"decap {_options.TunName}" };
        _thread.Start();
    }

    /// <summary>Stops the receive thread and closes the socket and TUN device (the device disappears).</summary>
    public void Stop()
    {
        _stopping = true;
        _thread?.Join(_options.PollInterval * 10 + TimeSpan.FromSeconds(1));
        CloseAll();
    }

    /// <summary>Same as <see cref="Stop"/>.</summary>
    public void Dispose() => Stop();

    /// <summary>Returns the inner packet of an IP-in-IP packet, or an empty span if either header is malformed.</summary>
    public static ReadOnlySpan<byte> InnerPacket(ReadOnlySpan<byte> outer)
    {
        if (outer.Length < MinIpv4Header || outer[0] >> 4 != 4)
        {
            return default;
        }

        int outerHeader = (outer[0] & 0x0f) * 4;
        int outerTotal = BinaryPrimitives.ReadUInt16BigEndian(outer[2..]);
        if (outerHeader < MinIpv4Header || outerTotal < outerHeader || outerTotal > outer.Length || outer[9] != Libc.IpProtoIpip)
        {
            return default;
        }

        var inner = outer[outerHeader..outerTotal];
        if (inner.Length < MinIpv4Header || inner[0] >> 4 != 4)
        {
            return default;
        }

        int innerHeader = (inner[0] & 0x0f) * 4;
        int innerTotal = BinaryPrimitives.ReadUInt16BigEndian(inner[2..]);
        if (innerHeader < MinIpv4Header || innerTotal < innerHeader || innerTotal > inner.Length)
        {
            return default;
        }

        return inner[..innerTotal];
    }

    private unsafe void ReceiveLoop()
    {
        var socket = _socket!;
        var buffer = new byte[65536];
        int pollMicros = (int)_options.PollInterval.TotalMicroseconds;
        while (!_stopping)
        {
            int length;
            try
            {
                if (!socket.Poll(pollMicros, SelectMode.SelectRead))
                {
                    continue;
                }

                length = socket.Receive(buffer);
            }
            catch (SocketException) when (_stopping)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _received);
            var inner = InnerPacket(buffer.AsSpan(0, length));
            if (inner.IsEmpty)
            {
                Interlocked.Increment(ref _malformed);
                continue;
            }

            nint written;
            fixed (byte* p = inner)
            {
                written = Libc.Write(_tun!.Fd, p, inner.Length);
            }

            if (written == inner.Length)
            {
                Interlocked.Increment(ref _decapsulated);
            }
            else
            {
                Interlocked.Increment(ref _writeErrors);
            }
        }
    }

    private static void DisableReversePathFilter(string name)
    {
        // Inner packets carry the client's source, whose route points out of another interface: strict rp_filter
        // on the TUN device would drop every one of them.
        File.WriteAllText($"/proc/sys/net/ipv4/conf/{name}/rp_filter", "0");
    }

    private void CloseAll()
    {
        _socket?.Dispose();
        _socket = null;
        _tun?.Dispose();
        _tun = null;
    }
}
