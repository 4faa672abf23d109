using System.Buffers.Binary;
using System.Net.Sockets;
using LoadBalancer.Balancer.L4.Interop;

namespace LoadBalancer.Balancer.Tools;

/// <summary>
/// Backend-side tunnel agent for kernels without the ipip and ip6_tunnel modules: reads IPv4-in-IPv4 packets from a raw
/// socket for IP protocol 4 and IPv6-in-IPv6 packets from a raw IPv6 socket for next header 41, strips the outer header
/// and writes the inner packet to a TUN device, where the kernel receives it as if it had arrived on that interface.
/// </summary>
/// <remarks>
/// Call <see cref="Start"/> on a thread in the backend's network namespace; sockets and TUN stay bound to it. A TUN
/// device without packet information takes the inner packet's family from its version nibble, so one device serves both.
/// </remarks>
public sealed class Decapsulator : IDisposable
{
    private const int MinIpv4Header = 20;
    private const int Ipv6Header = 40;

    // Not in Libc's list: AF_INET6 and the IPv6-in-IPv6 next header (IPPROTO_IPV6) on Linux.
    private const int AfInet6 = 10;
    private const int IpProtoIpv6 = 41;

    private readonly DecapOptions _options;
    private Socket? _socket;
    private Socket? _socket6;
    private TunDevice? _tun;
    private Thread? _thread;
    private Thread? _thread6;
    private volatile bool _stopping;
    private long _received;
    private long _decapsulated;
    private long _malformed;
    private long _writeErrors;
    private long _received6;
    private long _decapsulated6;
    private long _malformed6;

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
        Interlocked.Read(ref _writeErrors),
        Interlocked.Read(ref _received6),
        Interlocked.Read(ref _decapsulated6),
        Interlocked.Read(ref _malformed6));

    /// <summary>Why IPv6-in-IPv6 is not decapsulated (IPv6 off in this namespace), or null when it is.</summary>
    public string? Ipv6Unavailable { get; private set; }

    /// <summary>
    /// Opens the TUN device (brought up, rp_filter 0) and the raw sockets for protocol 4 and, where IPv6 is on, next
    /// header 41, and starts a receive thread per socket.
    /// </summary>
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

            // An IPv6 raw socket delivers the payload after the outer header (RFC 3542): the inner packet itself.
            int fd6 = Libc.Socket(AfInet6, Libc.SockRaw, IpProtoIpv6);
            if (fd6 < 0)
            {
                Ipv6Unavailable = $"socket(AF_INET6, SOCK_RAW, 41) failed: {Libc.LastErrorText()}";
            }
            else
            {
                _socket6 = new Socket(new SafeSocketHandle(fd6, ownsHandle: true));
            }
        }
        catch
        {
            CloseAll();
            throw;
        }

        var socket = _socket;
        _thread = new Thread(() => ReceiveLoop(socket, ipv6: false)) { IsBackground = true, Name = $"decap {_options.TunName}" };
        _thread.Start();
        if (_socket6 is { } socket6)
        {
            _thread6 = new Thread(() => ReceiveLoop(socket6, ipv6: true)) { IsBackground = true, Name = $"decap6 {_options.TunName}" };
            _thread6.Start();
        }
    }

    /// <summary>Stops the receive thread and closes the socket and TUN device (the device disappears).</summary>
    public void Stop()
    {
        _stopping = true;
        _thread?.Join(_options.PollInterval * 10 + TimeSpan.FromSeconds(1));
        _thread6?.Join(_options.PollInterval * 10 + TimeSpan.FromSeconds(1));
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

    /// <summary>
    /// Returns the inner packet of an IPv6-in-IPv6 payload (what a raw IPv6 socket for next header 41 receives: the
    /// bytes after the outer header), cut to its own length, or an empty span if it is not a whole IPv6 packet.
    /// </summary>
    public static ReadOnlySpan<byte> InnerPacket6(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < Ipv6Header || payload[0] >> 4 != 6)
        {
            return default;
        }

        // A payload length of 0 means a jumbogram (RFC 2675), which cannot arrive over a 1500-byte link: malformed.
        int innerPayload = BinaryPrimitives.ReadUInt16BigEndian(payload[4..]);
        if (innerPayload == 0 || Ipv6Header + innerPayload > payload.Length)
        {
            return default;
        }

        return payload[..(Ipv6Header + innerPayload)];
    }

    private unsafe void ReceiveLoop(Socket socket, bool ipv6)
    {
        ref long received = ref ipv6 ? ref _received6 : ref _received;
        ref long decapsulated = ref ipv6 ? ref _decapsulated6 : ref _decapsulated;
        ref long malformed = ref ipv6 ? ref _malformed6 : ref _malformed;
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

            Interlocked.Increment(ref received);
            var inner = ipv6 ? InnerPacket6(buffer.AsSpan(0, length)) : InnerPacket(buffer.AsSpan(0, length));
            if (inner.IsEmpty)
            {
                Interlocked.Increment(ref malformed);
                continue;
            }

            nint written;
            fixed (byte* p = inner)
            {
                written = Libc.Write(_tun!.Fd, p, inner.Length);
            }

            if (written == inner.Length)
            {
                Interlocked.Increment(ref decapsulated);
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
        _socket6?.Dispose();
        _socket6 = null;
        _tun?.Dispose();
        _tun = null;
    }
}
