using System.Buffers.Binary;
using System.Collections.Concurrent;
using LoadBalancer.Balancer.L4.Interop;
using Microsoft.Extensions.Logging;

namespace LoadBalancer.Balancer.L4.Engine;

/// <summary>Hands a probe frame to whoever wraps and sends it (the L4 engine): the frame is at buffer[offset..offset+length] with <see cref="TunnelProbeTap.Headroom"/> bytes before it; <paramref name="backend"/> is an IPv4 address (host order) for an IPv4 frame, an IPv6 one for an IPv6 frame; returns whether it was sent.</summary>
public delegate bool ProbeFrameSender(Span<byte> buffer, int offset, int length, UInt128 backend);

/// <summary>The tunnel data-path probe's way into the engine: a TUN device that the probe's firewall-mark routes point at.</summary>
/// <remarks>
/// The probe connects to VIP:port from a socket whose mark selects a route into this device; the balancer's kernel
/// writes the handshake's packets (IPv4 or IPv6) here, this reader gives each one an Ethernet header and hands it to the engine, which
/// wraps it in IP-in-IP (or IPv6-in-IPv6) for the backend the probe registered the socket's source port for (the same code as client
/// traffic). The backend answers the probe's source address directly, like a client, so the handshake completes in the
/// kernel only if the backend decapsulates and owns the VIP.
/// </remarks>
public sealed partial class TunnelProbeTap : IDisposable
{
    /// <summary>The TUN device's name in the balancer's namespace.</summary>
    public const string DeviceName = "lbprobe0";

    /// <summary>Bytes kept before each frame: the outer IPv4 or IPv6 header goes there.</summary>
    public const int Headroom = 40;

    private const int EthernetLength = 14;
    private static readonly long RegistrationTicks = TimeSpan.FromSeconds(30).Ticks;
    private readonly ConcurrentDictionary<(ushort Port, bool Ipv6), (UInt128 Backend, long Until)> _ports = new();
    private readonly TunDevice _device;
    private readonly int _fd;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private volatile ProbeFrameSender? _sender;
    private long _packets;
    private long _unmatched;
    private long _unsent;

    private TunnelProbeTap(TunDevice device)
    {
        _device = device;
        _fd = device.Fd;
        _thread = new Thread(ReadLoop) { IsBackground = true, Name = "datapath tap" };
        _thread.Start();
    }

    /// <summary>Packets read, packets whose source port no probe registered, packets the engine did not send.</summary>
    public (long Packets, long Unmatched, long Unsent) Counters =>
        (Interlocked.Read(ref _packets), Interlocked.Read(ref _unmatched), Interlocked.Read(ref _unsent));

    /// <summary>Creates the TUN device (up) and starts reading it; null (logged) when the device cannot be made.</summary>
    public static TunnelProbeTap? TryOpen(ILogger logger)
    {
        try
        {
            return new TunnelProbeTap(TunDevice.Open(DeviceName));
        }
        catch (InvalidOperationException e)
        {
            LogOpenFailed(logger, DeviceName, e.Message);
            return null;
        }
    }

    /// <summary>Sets the engine that wraps and sends the probe's packets (until then they are dropped and the probe fails).</summary>
    public void Attach(ProbeFrameSender? sender) => _sender = sender;

    /// <summary>Tells the tap that IPv4 packets from local TCP port <paramref name="port"/> are a probe through <paramref name="backend"/> (host order).</summary>
    public void Register(ushort port, uint backend) => Register(port, false, backend);

    /// <summary>Tells the tap that IPv6 packets from local TCP port <paramref name="port"/> are a probe through <paramref name="backend"/>.</summary>
    public void Register6(ushort port, UInt128 backend) => Register(port, true, backend);

    private void Register(ushort port, bool ipv6, UInt128 backend)
    {
        long now = DateTime.UtcNow.Ticks;
        foreach (var (p, entry) in _ports)
        {
            if (entry.Until < now)
            {
                _ports.TryRemove(p, out _);
            }
        }
        // Kept a while after the probe: its closing RST goes the same way.
        _ports[(port, ipv6)] = (backend, now + RegistrationTicks);
    }

    private unsafe void ReadLoop()
    {
        var buffer = new byte[Headroom + EthernetLength + 65536];
        var poll = new PollFd { Fd = _fd, Events = Libc.PollIn };
        while (!_stopping)
        {
            poll.ReturnedEvents = 0;
            if (Libc.Poll(ref poll, 1, 200) <= 0)
            {
                continue;
            }
            nint n;
            fixed (byte* p = &buffer[Headroom + EthernetLength])
            {
                n = Libc.Read(_fd, p, 65536);
            }
            if (n <= 0)
            {
                continue;
            }
            Interlocked.Increment(ref _packets);
            Handle(buffer, (int)n);
        }
    }

    private void Handle(byte[] buffer, int length)
    {
        var ip = buffer.AsSpan(Headroom + EthernetLength, length);
        // Only TCP is probed (IPv4, or IPv6 without extension headers); the source port says which backend the probe meant.
        var ipv6 = length >= 44 && ip[0] >> 4 == 6 && ip[6] == 6;
        var ipv4 = length >= 20 && ip[0] >> 4 == 4 && ip[9] == 6 && length >= ((ip[0] & 0x0f) * 4) + 4;
        if (!(ipv4 || ipv6)
            || !_ports.TryGetValue((BinaryPrimitives.ReadUInt16BigEndian(ip[(ipv6 ? 40 : (ip[0] & 0x0f) * 4)..]), ipv6), out var entry))
        {
            Interlocked.Increment(ref _unmatched);
            return;
        }
        var frame = buffer.AsSpan(Headroom, EthernetLength);
        frame[..12].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], ipv6 ? (ushort)0x86DD : (ushort)0x0800);
        if (_sender is not { } sender || !sender(buffer, Headroom, EthernetLength + length, entry.Backend))
        {
            Interlocked.Increment(ref _unsent);
        }
    }

    /// <summary>Stops reading and closes the device (it disappears).</summary>
    public void Dispose()
    {
        _stopping = true;
        _thread.Join(TimeSpan.FromSeconds(2));
        _device.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot create the tunnel data-path probe device {Device}: {Error}; tunnel data-path checks will fail")]
    private static partial void LogOpenFailed(ILogger logger, string device, string error);
}
